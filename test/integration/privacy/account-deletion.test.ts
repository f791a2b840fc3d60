import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import * as oidc from 'openid-client';
import { runCommand } from '../../../src/cli/run.js';
import { ERASED } from '../../../src/privacy/personal-fields.js';
import { createLogger } from '../../../src/shared/logger.js';
import { bootstrapAdmin, type ApiClient } from '../../support/admin.js';
import { startSmtpReceiver, type SmtpReceiver } from '../../support/mail.js';
import { exchangeCode, REDIRECT_URI, registerClient, signIn, type RegisteredClient } from '../../support/relying-party.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { UserAgent } from '../../support/user-agent.js';
import { dumpRedis } from '../adapters/raw-dump.js';

const person = { email: 'erase.me@example.test', password: 'correct horse battery staple', name: 'Erasmus Deletable' };
const renamed = 'Erasmus Q. Deletable';
const browser = 'ErasureTestBrowser/7.3 (personal)';
/** The person's address, as a trusted proxy in front of the server reports it. */
const address = '198.51.100.231';
const other = { email: 'stays@example.test', password: 'another long enough password', name: 'Stays Around' };

/** A browser with its own recognisable User-Agent, so the dumps can be searched for it. */
class NamedBrowser extends UserAgent {
  override request(url: string, init: Parameters<UserAgent['request']>[1] = {}) {
    return super.request(url, { ...init, headers: { ...init?.headers, 'user-agent': browser, 'x-forwarded-for': address } });
  }
}

describe('deleting an account leaves its personal data nowhere, and the chain verifies', () => {
  let server: TestServer;
  let smtp: SmtpReceiver;
  let admin: ApiClient;
  let web: RegisteredClient;
  let raw: Redis | undefined;
  const logs: string[] = [];
  let accountId: string;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    const sink = new Writable({ write(chunk, _encoding, done) { logs.push(String(chunk)); done(); } });
    server = await startTestServer({ env: { SMTP_URL: smtp.url, MAIL_FROM: 'Identity <no-reply@example.test>', TRUSTED_PROXIES: '127.0.0.1' }, logger: createLogger('debug', sink) });
    server.container.mailWorker.start();
    admin = await bootstrapAdmin(server);
    web = await registerClient(server.issuer, server.container);
    if (server.testRedis) raw = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: 1 });
    accountId = (await server.container.accounts.createAccount({ ...person, emailVerified: true })).id;
    await server.container.accounts.createAccount({ ...other, emailVerified: true });
  });
  afterAll(async () => {
    raw?.disconnect();
    await server.close();
    await smtp.close();
  });

  async function dumpEverything(): Promise<string> {
    const { db } = server.container;
    const tables: Array<{ table_name: string }> = await db('information_schema.tables')
      .select('table_name').whereRaw('table_schema = current_schema()').andWhere('table_type', 'BASE TABLE');
    const rows = [];
    for (const { table_name } of tables) {
      const result = await db.raw('select to_jsonb(t)::text as row from ?? t', [table_name]);
      rows.push(...(result.rows as Array<{ row: string }>).map((row) => `${table_name} ${row.row}`));
    }
    if (raw) rows.push(...(await dumpRedis(raw, server.testRedis!.prefix)));
    const outbox = server.container.config.mail.outboxDir;
    if (existsSync(outbox)) for (const file of readdirSync(outbox)) rows.push(readFileSync(join(outbox, file), 'utf8'));
    rows.push(...logs);
    return rows.join('\n');
  }

  it('ends its sessions and tokens, erases it everywhere, mails a confirmation, and keeps the chain', async () => {
    // A rich account: a session and tokens from a named browser, a failed sign-in, an admin edit.
    const { start, callback } = await signIn(web, person, {}, new NamedBrowser(REDIRECT_URI));
    const tokens = await exchangeCode(web, start, callback.url);
    await signIn(web, { email: person.email, password: 'wrong password here' }, {}, new NamedBrowser(REDIRECT_URI));
    expect((await admin.call('PATCH', `/admin/api/v1/accounts/${accountId}`, { name: renamed })).status).toBe(200);
    await server.container.mailWorker.drain();
    const before = await dumpEverything();
    expect(before).toContain(person.email);
    expect(before).toContain(browser);

    // The export holds everything about this account, decrypted, and nothing about the other one.
    const exported = await admin.call('GET', `/admin/api/v1/accounts/${accountId}/export`);
    expect(exported.status).toBe(200);
    expect(exported.body).toMatchObject({
      format: 'idp-account-export/1',
      account: { id: accountId, email: person.email, name: renamed, has_password: true },
      second_factors: { totp: false },
      sessions: [expect.objectContaining({ user_agent: browser, ip: address, client_ids: [web.clientId] })],
      applications: [expect.objectContaining({ client_id: web.clientId, scope: expect.stringContaining('openid') })],
    });
    expect(exported.body.account).not.toHaveProperty('password_hash');
    const ownEvents = exported.body.events as { type: string; account_id: string; user_agent: string | null; detail: any }[];
    expect(ownEvents.every((event) => event.account_id === accountId)).toBe(true);
    expect(ownEvents.find((event) => event.type === 'login.succeeded')).toMatchObject({ user_agent: browser, ip: address });
    expect(ownEvents.find((event) => event.type === 'account.updated')?.detail.changes.name).toEqual({ before: person.name, after: renamed });
    expect(JSON.stringify(exported.body)).not.toContain(other.email);
    const [exportEvent] = (await server.container.events.list({ accountId, types: ['account.exported'] }, { limit: 1, order: 'desc' })).items;
    expect(exportEvent).toMatchObject({ actor_type: 'client', actor_id: admin.clientId, detail: { events: ownEvents.length } });

    const deleted = await admin.call('DELETE', `/admin/api/v1/accounts/${accountId}`);
    expect(deleted.status).toBe(204);
    await server.container.mailWorker.drain();

    // The refresh token no longer works: the grant ended with the account.
    await expect(oidc.refreshTokenGrant(web.config, tokens.refresh_token!)).rejects.toThrow();
    const introspection = await oidc.tokenIntrospection(web.config, tokens.access_token);
    expect(introspection.active).toBe(false);

    // The confirmation went out, and its queue row is gone.
    expect(smtp.received.some((mail) => mail.to.includes(person.email) && /account was deleted/.test(mail.subject))).toBe(true);

    const after = await dumpEverything();
    // Throttling counters per client address (not per account) keep the address until their window
    // ends, minutes later; they are the one documented exception (docs/privacy.md).
    const throttling = (line: string) => /:rl:login:ip(-account)?:/.test(line);
    const leaks = after.split('\n').filter((line) =>
      [person.email, person.name, renamed, browser].some((value) => line.includes(value)) || (line.includes(address) && !throttling(line)));
    expect(leaks).toEqual([]);
    // The other account is untouched.
    expect(after).toContain(other.email);
    // Its events stay, pseudonymous: what happened and when, with the personal values erased.
    const { items } = await server.container.events.list({ accountId }, { limit: 50, order: 'asc' });
    expect(items.map((event) => event.type)).toEqual(expect.arrayContaining(['login.succeeded', 'account.updated', 'account.deleted']));
    // The person's own requests: their address and browser are erased. A client's or operator's stay theirs.
    const own = items.filter((event) => event.actor_type === 'account' || event.actor_type === 'anonymous');
    expect(own.length).toBeGreaterThan(0);
    for (const event of own) expect([event.ip, event.user_agent]).toEqual([ERASED, ERASED]);
    expect(items.find((event) => event.type === 'account.updated')?.detail).toMatchObject({ target: { name: ERASED }, changes: { name: { before: ERASED, after: ERASED } } });
    expect((await server.container.events.verify()).ok).toBe(true);
  });

  it('the CLI exports and deletes by address, and refuses a delete without --yes', async () => {
    const idp = (line: string[]) => runCommand({ ...server.container }, line);
    const third = await server.container.accounts.createAccount({ email: 'cli.erase@example.test', name: 'Cli Erasable', password: 'a long enough password', emailVerified: true });
    const exported = await idp(['user', 'export', 'cli.erase@example.test', '--json']);
    expect(exported.exitCode).toBe(0);
    expect(JSON.parse(exported.stdout)).toMatchObject({ account: { id: third.id, email: 'cli.erase@example.test', name: 'Cli Erasable' } });
    expect((await idp(['user', 'delete', 'cli.erase@example.test'])).exitCode).not.toBe(0);
    expect(await server.container.accounts.findById(third.id)).toBeDefined();
    const deleted = await idp(['user', 'delete', 'cli.erase@example.test', '--yes', '--json']);
    expect(JSON.parse(deleted.stdout)).toMatchObject({ id: third.id, deleted: true });
    expect(await server.container.accounts.findById(third.id)).toBeUndefined();
    const { items } = await server.container.events.list({ accountId: third.id }, { limit: 10, order: 'asc' });
    expect(items.map((event) => [event.type, event.actor_id])).toEqual([['account.exported', 'cli'], ['account.deleted', 'cli']]);
    expect(items[0].detail).toMatchObject({ target: { name: ERASED } });
    expect(JSON.stringify(await server.container.db('events').select('*'))).not.toContain('cli.erase@example.test');
    expect((await idp(['user', 'delete', 'cli.erase@example.test', '--yes'])).exitCode).not.toBe(0);
    expect((await server.container.events.verify()).ok).toBe(true);
  });

  it('a second delete answers 404, and a missing account is a 404, never a 500', async () => {
    expect((await admin.call('DELETE', `/admin/api/v1/accounts/${accountId}`)).status).toBe(404);
    expect((await admin.call('DELETE', '/admin/api/v1/accounts/not-a-uuid')).status).toBe(404);
  });
});

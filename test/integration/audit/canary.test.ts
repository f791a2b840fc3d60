import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { formatEventLine } from '../../../src/audit/format.js';
import { toNdjsonLine } from '../../../src/audit/sanitize.js';
import type { StoredEvent } from '../../../src/audit/queries.js';
import { runCommand } from '../../../src/cli/run.js';
import { createLogger } from '../../../src/shared/logger.js';
import { ManualClock } from '../../support/manual-clock.js';
import { currentCode, finishFlow, manualKeyOf, passwordStep, submitCode } from '../../support/mfa.js';
import { grantClientApi } from '../../support/rbac.js';
import { exchangeCode, registerClient, signIn, signInRotateAndReuse, startAuthorization, submitLogin, type RegisteredClient } from '../../support/relying-party.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { UserAgent } from '../../support/user-agent.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver.js';

const API = 'https://api.example.test';
const OPAQUE_API = 'https://opaque.example.test';
const PASSWORD = 'canary-password-7f3a9c1e';
const FORGED_LINE = '{"level":30,"time":"2026-01-01T00:00:00.000Z","msg":"forged"}';
/** A user-supplied value that tries to start a second line in every output format. */
const FORGING_TEXT = `Mallory\n${FORGED_LINE}\r\u2028\u0085\u001b[2J`;

/**
 * After a full scripted scenario (password and MFA sign-ins, every token grant, refresh reuse, code
 * replay, introspection, revocation, logout, operator commands, webhooks), no secret that passed
 * through the server appears in the events table, its checkpoints and deliveries, the NDJSON export,
 * the webhook bodies, or anything the server logged, at the most verbose log level.
 */
describe('no secret reaches the audit trail or the logs', () => {
  const clock = new ManualClock(Date.now());
  const logLines: string[] = [];
  let server: TestServer;
  let receiver: WebhookReceiver;
  const secrets: string[] = [PASSWORD];
  /** Short numeric secrets (TOTP codes) are matched only as whole numbers. */
  const codes: string[] = [];

  beforeAll(async () => {
    const logger = createLogger('trace', { write: (line: string) => void logLines.push(line) });
    server = await startTestServer({ clock, logger });
    const { container, issuer } = server;
    receiver = await startWebhookReceiver(() => 204);
    const hook = await runCommand(container, ['webhook', 'create', '--url', receiver.url, '--event', '*', '--json']);
    secrets.push(JSON.parse(hook.stdout).secret);

    await container.accounts.createAccount({ email: 'alice@example.com', password: PASSWORD, name: FORGING_TEXT });
    // Carol uses a second factor; Alice signs in with her password alone.
    await container.accounts.createAccount({ email: 'carol@example.com', password: PASSWORD });
    const web = await registerClient(issuer, container);
    const strict = await registerClient(issuer, container);
    await container.db('clients').where({ client_id: strict.clientId }).update({ require_mfa: true });
    const machine = await registerClient(issuer, container, { type: 'machine' });
    await grantClientApi(container, machine.clientId, API, ['things:read']);
    await grantClientApi(container, machine.clientId, OPAQUE_API, ['opaque:read'], { tokenFormat: 'opaque' });
    secrets.push(web.clientSecret!, strict.clientSecret!, machine.clientSecret!);
    const alice = { email: 'alice@example.com', password: PASSWORD };
    const carol = { email: 'carol@example.com', password: PASSWORD };

    // Failed sign-ins: a wrong password, and a TOTP-looking code typed into the password field.
    const agent = new UserAgent();
    const loginPage = await agent.request((await startAuthorization(web)).url.href);
    const afterWrong = await submitLogin(agent, loginPage, alice.email, 'canary-wrong-password-51b2');
    await submitLogin(agent, afterWrong, alice.email, '492817');
    secrets.push('canary-wrong-password-51b2');
    codes.push('492817');

    // MFA enrollment: the TOTP seed, a wrong code, the right code and the recovery codes.
    const enrol = await passwordStep(strict, carol.email, carol.password);
    const seed = manualKeyOf(enrol.page);
    secrets.push(seed);
    const wrongCode = await currentCode(seed, clock, 300);
    codes.push(wrongCode);
    const retry = await submitCode(enrol.agent, enrol.page, wrongCode, '/mfa/enroll');
    const goodCode = await currentCode(seed, clock);
    codes.push(goodCode);
    const codesPage = await submitCode(enrol.agent, retry, goodCode, '/mfa/enroll');
    const recoveryCodes = [...codesPage.body.matchAll(/<code>([A-Z0-9-]{11})<\/code>/g)].map((match) => match[1]);
    expect(recoveryCodes).toHaveLength(10);
    secrets.push(...recoveryCodes, ...recoveryCodes.map((code) => code.replace('-', '')));
    const next = await enrol.agent.request(UserAgent.action(codesPage, '/mfa/continue'), { form: { csrf: UserAgent.field(codesPage, 'csrf') } });
    const strictTokens = (await finishFlow(enrol.agent, next, strict, enrol.start)).tokens;
    secrets.push(strictTokens.access_token, strictTokens.refresh_token!, strictTokens.id_token!);

    // A later sign-in with a recovery code.
    clock.advance(30);
    const recovery = await passwordStep(strict, carol.email, carol.password);
    const recovered = await submitCode(recovery.agent, recovery.page, recoveryCodes[3]);
    await finishFlow(recovery.agent, recovered, strict, recovery.start);

    // Code flow, refresh rotation, refresh reuse, code replay.
    clock.advance(30);
    secrets.push(...(await signInRotateAndReuse(web, alice)));
    const replayed = await signIn(web, alice);
    secrets.push(new URL(replayed.callback.url).searchParams.get('code')!);
    secrets.push((await exchangeCode(web, replayed.start, replayed.callback.url)).access_token);
    await exchangeCode(web, replayed.start, replayed.callback.url).catch(() => undefined);

    // Machine tokens, introspection, revocation, a wrong client secret, secrets in a query string.
    const jwt = await oidc.clientCredentialsGrant(machine.config, { resource: API, scope: 'things:read' });
    const opaque = await oidc.clientCredentialsGrant(machine.config, { resource: OPAQUE_API, scope: 'opaque:read' });
    secrets.push(jwt.access_token, opaque.access_token);
    await oidc.tokenIntrospection(machine.config, opaque.access_token);
    const second = await signIn(web, alice);
    const secondTokens = await exchangeCode(web, second.start, second.callback.url);
    secrets.push(secondTokens.refresh_token!, secondTokens.access_token);
    await oidc.tokenRevocation(web.config, secondTokens.refresh_token!);
    const wrongSecret = 'canary-wrong-client-secret-9e0d';
    secrets.push(wrongSecret);
    await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${machine.clientId}:${wrongSecret}`).toString('base64')}`,
        'user-agent': `probe\u0085${FORGED_LINE}\u009b2J`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: API, scope: 'things:read' }),
    });
    await fetch(`${issuer}/token?client_secret=${machine.clientSecret}&code=canary-code-in-query-33aa`);
    secrets.push('canary-code-in-query-33aa');

    // Logout.
    const confirmation = await second.agent.request(`${issuer}/session/end?client_id=${web.clientId}`);
    await second.agent.request(UserAgent.action(confirmation, '/session/end/confirm'), { form: { xsrf: UserAgent.field(confirmation, 'xsrf'), logout: 'yes' } });

    // Operator commands, one of them with a password on standard input and a forging client name.
    const userPassword = 'canary-stdin-password-0c4f';
    secrets.push(userPassword);
    expect((await runCommand(container, ['user', 'create', '--email', 'bob@example.com', '--password-stdin'], `${userPassword}\n`)).exitCode).toBe(0);
    const created = await runCommand(container, ['client', 'create', '--name', FORGING_TEXT, '--type', 'machine', '--json']);
    secrets.push(JSON.parse(created.stdout).client_secret);
    expect((await runCommand({ ...container, afterKeyRotation: () => container.providers.refreshKeys() }, ['keys', 'rotate'])).exitCode).toBe(0);

    // Webhooks: every event goes out, signed.
    while ((await container.webhooks.deliverDue()).length > 0);
    await container.events.seal();
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  function findSecrets(text: string): string[] {
    const found = secrets.filter((secret) => text.includes(secret));
    found.push(...codes.filter((code) => new RegExp(`(?<![0-9A-Za-z])${code}(?![0-9A-Za-z])`).test(text)));
    return found;
  }

  it('ran the whole scenario and recorded it', async () => {
    const types = new Set((await server.container.db('events').select('type')).map((row) => row.type));
    for (const type of [
      'login.failed', 'login.succeeded', 'mfa.failed', 'mfa.enrolled', 'mfa.recovery_code_used', 'consent.granted', 'token.issued',
      'token.refresh_reuse_detected', 'token.code_replay_detected', 'token.introspected', 'token.revoked', 'token.grant_failed',
      'logout', 'account.created', 'client.created', 'keys.rotated', 'webhook.created',
    ]) {
      expect({ type, recorded: types.has(type) }).toEqual({ type, recorded: true });
    }
    expect(secrets.length).toBeGreaterThan(30);
    expect((await server.container.events.verify()).ok).toBe(true);
  });

  it('the events table, checkpoints, deliveries and webhook rows hold none of the secrets', async () => {
    const { db } = server.container;
    for (const table of ['events', 'event_checkpoints', 'webhook_deliveries', 'webhooks']) {
      const dump = JSON.stringify(await db(table).select('*'));
      expect({ table, found: findSecrets(dump) }).toEqual({ table, found: [] });
    }
  });

  it('the NDJSON export, the webhook bodies and the human-readable lines hold none, one event per line', async () => {
    const events: StoredEvent[] = [];
    for await (const event of server.container.events.export({})) events.push(event);
    const ndjson = events.map(toNdjsonLine).join('');
    expect(findSecrets(ndjson)).toEqual([]);
    expect(ndjson.split('\n').filter(Boolean)).toHaveLength(events.length);
    const forged = events.find((event) => JSON.stringify(event.detail).includes('Mallory'));
    expect(forged?.detail.name).toBe(FORGING_TEXT);

    expect(receiver.received.length).toBe(events.length);
    expect(findSecrets(receiver.received.map((request) => request.body).join('\n'))).toEqual([]);

    const text = events.map(formatEventLine);
    for (const line of text) expect(line).not.toMatch(/[\n\r\u0085\u009b\u001b\u2028]/);
    expect(findSecrets(text.join('\n'))).toEqual([]);
    const probe = events.find((event) => event.user_agent?.startsWith('probe'));
    expect(probe?.user_agent).toContain('\u0085');
  });

  it('every log line is one JSON object the server wrote, and none holds a secret', () => {
    expect(logLines.length).toBeGreaterThan(20);
    const lines = logLines.join('').split('\n').filter(Boolean);
    for (const line of lines) {
      const entry = JSON.parse(line) as { level?: unknown; msg?: unknown };
      expect(typeof entry.level).toBe('number');
      expect(entry.msg).not.toBe('forged');
    }
    expect(findSecrets(logLines.join(''))).toEqual([]);
  });
});

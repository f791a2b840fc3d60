import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { mailLink, startAccountServer, submit, type AccountTestServer } from '../../support/accounts.js';
import { exchangeCode, registerClient, signIn } from '../../support/relying-party.js';
import { clientCredentials } from '../../support/tokens.js';
import { UserAgent } from '../../support/user-agent.js';
import { dumpRedis } from '../adapters/raw-dump.js';
import { currentCode } from '../../support/mfa.js';

const PASSWORD = 'the quiet river runs deep';

/** A secret as it could appear in a dump: raw, in the common text encodings, and (for base64url values) as its bytes. */
function encodingsOf(secret: string): string[] {
  const utf8 = Buffer.from(secret, 'utf8');
  const forms = [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1), utf8.toString('base64'), utf8.toString('base64url'), utf8.toString('hex'), utf8.toString('hex').toUpperCase()];
  if (/^[A-Za-z0-9_-]+$/.test(secret)) {
    const bytes = Buffer.from(secret, 'base64url');
    forms.push(bytes.toString('base64'), bytes.toString('hex'), bytes.toString('hex').toUpperCase(), bytes.toString('latin1'));
  }
  return forms.filter((form) => form.length >= 16);
}

/**
 * Issue 24: secrets at rest. After they have been used, the client secrets (created and rotated),
 * a pending reset link's token, the cookie-signing key and the pairwise salt appear in no table and
 * no Redis key, in any encoding. (Bearer values are covered by adapters/stored-secrets.test.ts.)
 */
describe('secrets at rest are stored nowhere in any encoding', () => {
  let env: AccountTestServer;
  let raw: Redis | undefined;

  beforeAll(async () => {
    env = await startAccountServer();
    if (env.server.testRedis) raw = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    raw?.disconnect();
    await env.close();
  });

  async function dumpEverything(): Promise<string> {
    const { db } = env.server.container;
    const tables: Array<{ table_name: string }> = await db('information_schema.tables').select('table_name').whereRaw('table_schema = current_schema()').andWhere('table_type', 'BASE TABLE');
    expect(tables.map((table) => table.table_name)).toEqual(expect.arrayContaining(['clients', 'events', 'oidc_models']));
    const rows: string[] = [];
    for (const { table_name } of tables) {
      const result = await db.raw('select to_jsonb(t)::text as row from ?? t', [table_name]);
      rows.push(...(result.rows as Array<{ row: string }>).map((row) => `${table_name} ${row.row}`));
    }
    if (raw) rows.push(...(await dumpRedis(raw, env.server.testRedis!.prefix)));
    return rows.join('\n');
  }

  function expectAbsent(dump: string, secrets: Record<string, string>) {
    const found = Object.entries(secrets).flatMap(([name, secret]) => encodingsOf(secret).filter((form) => dump.includes(form)).map((form) => `${name} as ${form}`));
    expect(found).toEqual([]);
  }

  it('client secrets, created and rotated, after they were used at the token endpoint', async () => {
    const { container } = env.server;
    await container.accounts.createAccount({ email: 'secret@example.com', password: PASSWORD, emailVerified: true });
    const web = await registerClient(env.issuer, container);
    const { start, callback } = await signIn(web, { email: 'secret@example.com', password: PASSWORD });
    await exchangeCode(web, start, callback.url);
    const machine = await registerClient(env.issuer, container, { type: 'machine' });
    const firstSecret = machine.clientSecret!;
    const { clientSecret: rotated } = await container.clients.rotateSecret(machine.clientId);
    const rotatedClient = await registerClient(env.issuer, container, { type: 'machine' });
    await clientCredentials(rotatedClient, container.systemApis.authz.identifier).catch(() => undefined);
    const [row] = await container.db('clients').where({ client_id: web.clientId });
    expect(row.secret_hash).toEqual(expect.any(String));
    expectAbsent(await dumpEverything(), { web: web.clientSecret!, machine: firstSecret, rotated, other: rotatedClient.clientSecret! });
  });

  it("a pending reset link's token", async () => {
    await env.server.container.accounts.createAccount({ email: 'reset-secret@example.com', password: PASSWORD, emailVerified: true });
    const agent = new UserAgent();
    await submit(agent, await agent.request(`${env.issuer}/account/forgot`), '/account/forgot', { email: 'reset-secret@example.com' });
    const { link } = await mailLink(env.smtp, 'reset-secret@example.com', `${env.issuer}/account/reset?token=`);
    const token = new URL(link).searchParams.get('token')!;
    expect((await agent.request(link)).status).toBe(200);
    expectAbsent(await dumpEverything(), { resetToken: token });
  });

  it("an authenticator app's TOTP seed and the recovery codes, after a code of each was used", async () => {
    const { container } = env.server;
    const account = await container.accounts.createAccount({ email: 'mfa-secret@example.com', password: PASSWORD, emailVerified: true });
    const { secret } = await container.mfa.beginTotpEnrollment(account.id, 'mfa-secret@example.com');
    const codes = await container.mfa.confirmTotpEnrollment(account.id, await currentCode(secret, container.clock));
    expect(codes).toHaveLength(10);
    // Used, so the stored rows are the ones a sign-in reads and updates.
    expect(await container.mfa.verifySecondFactor(account.id, codes![0])).toMatchObject({ ok: true, method: 'recovery_code' });
    const dump = await dumpEverything();
    expect(dump).toContain('mfa_recovery_codes');
    // The seed as the app is given it (base32), in every encoding of that text.
    expectAbsent(dump, { totpSeed: secret });
    // Recovery codes are shorter than the encodings scan's floor: each is looked for as typed and as
    // stored before hashing (upper case, no dash), raw and in base64 and hex.
    const found = codes!.flatMap((code) => {
      const bare = code.replace(/-/g, '');
      return [code, bare, Buffer.from(bare).toString('base64').replace(/=+$/, ''), Buffer.from(bare).toString('hex')].filter((form) => dump.includes(form));
    });
    expect(found).toEqual([]);
  });

  it('the cookie-signing key and the pairwise salt', async () => {
    const { keys } = env.server.container;
    const cookieKey = await keys.sharedSecret('cookie-key');
    const pairwiseSalt = await keys.sharedSecret('pairwise-salt');
    expect(cookieKey).not.toBe(pairwiseSalt);
    expectAbsent(await dumpEverything(), { cookieKey, pairwiseSalt });
  });
});

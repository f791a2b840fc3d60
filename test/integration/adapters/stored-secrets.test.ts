import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import * as oidc from 'openid-client';
import { exchangeCode, registerClient, signIn, startAuthorization, type RegisteredClient } from '../../support/relying-party.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { UserAgent } from '../../support/user-agent.js';
import { dumpRedis } from './raw-dump.js';

const alice = { email: 'alice@example.com', password: 'correct horse battery staple' };

/**
 * The adapter contract checks the rule with made-up payloads; this checks it with what the real
 * provider writes during a sign-in, a token exchange and a refresh, across every table and every
 * Redis key the app uses.
 */
describe('bearer values the real provider hands out are stored nowhere', () => {
  let server: TestServer;
  let web: RegisteredClient;
  let raw: Redis | undefined;

  beforeAll(async () => {
    server = await startTestServer();
    await server.container.accounts.createAccount({ ...alice, emailVerified: true });
    web = await registerClient(server.issuer, server.container);
    if (server.testRedis) raw = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    raw?.disconnect();
    await server.close();
  });

  async function dumpEverything(): Promise<string> {
    const { db } = server.container;
    const tables: Array<{ table_name: string }> = await db('information_schema.tables')
      .select('table_name')
      .whereRaw('table_schema = current_schema()')
      .andWhere('table_type', 'BASE TABLE');
    expect(tables.map((table) => table.table_name)).toEqual(expect.arrayContaining(['oidc_models', 'events']));
    const rows = [];
    for (const { table_name } of tables) {
      const result = await db.raw('select to_jsonb(t)::text as row from ?? t', [table_name]);
      rows.push(...(result.rows as Array<{ row: string }>).map((row) => `${table_name} ${row.row}`));
    }
    if (raw) rows.push(...(await dumpRedis(raw, server.testRedis!.prefix)));
    return rows.join('\n');
  }

  async function sessionCookie(agent: UserAgent): Promise<string> {
    const cookie = (await agent.jar.getCookies(server.issuer)).find((candidate) => candidate.key === '_session');
    expect(cookie?.value).toEqual(expect.any(String));
    return cookie!.value;
  }

  it('after sign-in, token exchange and refresh: no code, token or session id in any store', async () => {
    const { start, callback, agent } = await signIn(web, alice);
    const code = new URL(callback.url).searchParams.get('code')!;
    const sessionId = await sessionCookie(agent);
    const beforeExchange = await dumpEverything();
    expect(beforeExchange).toContain('AuthorizationCode');
    expect(beforeExchange).not.toContain(code);

    const tokens = await exchangeCode(web, start, callback.url);
    const refreshed = await oidc.refreshTokenGrant(web.config, tokens.refresh_token!);
    const afterRefresh = await dumpEverything();
    expect(afterRefresh).toContain('AccessToken');
    expect(afterRefresh).toContain('RefreshToken');
    for (const secret of [code, sessionId, tokens.access_token, tokens.refresh_token!, refreshed.access_token, refreshed.refresh_token!]) {
      expect(afterRefresh).not.toContain(secret);
    }
  });

  it('while an interaction of a signed-in browser is pending: the session id is stored nowhere', async () => {
    const { agent } = await signIn(web, alice);
    const sessionId = await sessionCookie(agent);
    const consent = await agent.request((await startAuthorization(web, { prompt: 'consent' })).url.href);
    expect(consent.body).toContain('/confirm"');
    const pending = await dumpEverything();
    expect(pending).toContain('Interaction');
    expect(pending).not.toContain(sessionId);
  });
});

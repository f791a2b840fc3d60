import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { runCommand } from '../../../src/cli/run.js';
import { openTestDatabase, type TestDatabase } from '../../support/database.js';
import { grantClientApi } from '../../support/rbac.js';
import { exchangeCode, REDIRECT_URI, registerClient, signIn, startAuthorization, submitLogin, type RegisteredClient } from '../../support/relying-party.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { UserAgent } from '../../support/user-agent.js';

const API = 'https://api.example.test';
const alice = { email: 'alice@example.com', password: 'correct horse battery staple' };

describe('when the event store cannot be written, security-critical operations fail closed', () => {
  let server: TestServer;
  let machine: RegisteredClient;
  let web: RegisteredClient;

  const offline = () => server.container.db.raw('alter table events rename to events_offline');
  const online = () => server.container.db.raw('alter table events_offline rename to events');
  const count = async () => Number((await server.container.db('events').count<{ n: string }[]>({ n: '*' }))[0].n);

  beforeAll(async () => {
    server = await startTestServer();
    await server.container.accounts.createAccount(alice);
    machine = await registerClient(server.issuer, server.container, { type: 'machine' });
    await grantClientApi(server.container, machine.clientId, API, ['things:read']);
    web = await registerClient(server.issuer, server.container);
  });
  afterAll(() => server.close());

  it('the token endpoint answers 503 and hands out no token', async () => {
    const { refresh_token: refreshToken } = await (async () => {
      const { start, callback } = await signIn(web, alice);
      return exchangeCode(web, start, callback.url);
    })();
    const before = await count();
    await offline();
    try {
      const response = await fetch(`${server.issuer}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${machine.clientId}:${machine.clientSecret}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: API, scope: 'things:read' }),
      });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      expect(response.headers.get('cache-control')).toContain('no-store');
      const body = await response.json();
      expect(body).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) });
      await expect(oidc.refreshTokenGrant(web.config, refreshToken!)).rejects.toMatchObject({ cause: expect.objectContaining({ status: 503 }) });
    } finally {
      await online();
    }
    expect(await count()).toBe(before);
    // Back to normal once the store is: the same request succeeds and is logged.
    await oidc.clientCredentialsGrant(machine.config, { resource: API, scope: 'things:read' });
    expect(await count()).toBe(before + 1);
    expect((await server.container.events.verify()).ok).toBe(true);
  });

  it('a correct password does not sign anyone in unlogged: 503, no redirect onwards', async () => {
    const agent = new UserAgent(REDIRECT_URI);
    const page = await agent.request((await startAuthorization(web)).url.href);
    await offline();
    let answer;
    try {
      answer = await submitLogin(agent, page, alice.email, alice.password);
    } finally {
      await online();
    }
    expect(answer.status).toBe(503);
    expect(answer.url).toContain('/interaction/');
    expect(answer.body).toMatch(/try again/i);
    expect(answer.body).toContain('SERVICE_UNAVAILABLE');
    // And no session came of it.
    const silent = await agent.request((await startAuthorization(web, { prompt: 'none' })).url.href);
    expect(new URL(silent.url).searchParams.get('error')).toBe('login_required');
  });

  it('an operator command reports the failure instead of succeeding silently', async () => {
    await offline();
    let result;
    try {
      result = await runCommand({ ...server.container }, ['keys', 'rotate']);
    } finally {
      await online();
    }
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('audit log cannot be written');
  });
});

describe('graceful shutdown', () => {
  let testDatabase: TestDatabase;

  beforeAll(async () => {
    testDatabase = await openTestDatabase();
  });
  afterAll(() => testDatabase.destroy());

  it('writes every event still queued, the introspection counts, and a seal of the head', async () => {
    const server = await startTestServer({ testDatabase });
    const { audit } = server.container;
    // Recorded but not awaited, as if requests were still in flight when the signal came.
    const inFlight = Array.from({ length: 25 }, (_, i) => audit.record({ type: 'logout', accountId: `a${i}` }));
    await audit.recordSampled('introspection:rs', { type: 'token.introspected', clientId: 'rs', detail: { active: true } });
    await audit.recordSampled('introspection:rs', { type: 'token.introspected', clientId: 'rs', detail: { active: false } });
    await server.close();
    await Promise.all(inFlight);

    const db = testDatabase.database.db;
    expect(await db('events').where({ type: 'logout' })).toHaveLength(25);
    const introspections = await db('events').where({ type: 'token.introspected' }).orderBy('id');
    expect(introspections.map((row) => row.detail)).toEqual([
      { active: true, sampled: true, unrecordedSincePrevious: 0 },
      { active: false, sampled: true, unrecordedSincePrevious: 1, summary: true },
    ]);
    const head = await db('events').max<{ max: string | number }>({ max: 'id' }).first();
    const seal = await db('event_checkpoints').where({ kind: 'seal' }).orderBy('id', 'desc').first();
    expect(String(seal.through_id)).toBe(String(head!.max));
  });
});

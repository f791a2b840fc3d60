import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync } from 'node:fs';
import knexFactory from 'knex';
import * as oidc from 'openid-client';
import { MIGRATIONS_DIRECTORY, migrateToLatest } from '../../../src/storage/migrate.js';
import { outageAnswer, startOwnStoreServer, type OwnStoreServer } from '../../support/own-stores.js';
import { privatePostgresMissing, startPrivatePostgres, waitFor, type PrivatePostgres } from '../../support/private-servers.js';
import { UserAgent } from '../../support/user-agent.js';
import { exchangeCode, registerClient, signIn, startAuthorization, type RegisteredClient } from '../../support/relying-party.js';

const alice = { email: 'alice@example.com', password: 'correct horse battery staple' };
const STACK = /at .*\.(ts|js):\d+/;
const skip = privatePostgresMissing();

/**
 * A private PostgreSQL (initdb + pg_ctl in a temporary folder) that the test stops and restarts.
 * Short-lived records go to the same database (no Redis), which is the harder case: every request
 * needs Postgres.
 */
(skip ? describe.skip : describe)(`PostgreSQL outage${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let postgres: PrivatePostgres;
  let server: OwnStoreServer;
  let web: RegisteredClient;
  const get = (path: string, init: RequestInit = {}) => fetch(`${server.issuer}${path}`, init);

  beforeAll(async () => {
    postgres = await startPrivatePostgres();
    server = await startOwnStoreServer({ databaseUrl: postgres.url });
    await server.container.accounts.createAccount(alice);
    web = await registerClient(server.issuer, server.container);
  });
  /** Each test starts with Postgres up and the server ready, whatever ran before it. */
  const ready = () => waitFor('readiness', async () => (await get('/readyz')).status === 200);
  afterAll(async () => {
    await server?.close();
    await postgres?.destroy();
  });

  it('runs the migrations exactly once when several instances start together on an empty database', async () => {
    await ready();
    // A database of its own: the server's is migrated already.
    const setup = knexFactory({ client: 'pg', connection: postgres.url, pool: { min: 0, max: 1 } });
    const name = `race_${Date.now()}`;
    await setup.raw('create database ??', [name]).finally(() => setup.destroy());
    const url = postgres.url.replace(/\/postgres$/, `/${name}`);
    const instances = Array.from({ length: 4 }, () => knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 2 } }));
    try {
      const results = await Promise.all(instances.map((db) => migrateToLatest(db)));
      const files = readdirSync(MIGRATIONS_DIRECTORY).filter((name) => name.endsWith('.js'));
      const applied = results.map((result) => result.applied.length).sort((a, b) => b - a);
      expect(applied).toEqual([files.length, 0, 0, 0]);
      const rows = await instances[0]('knex_migrations').select('name');
      expect(rows.map((row: { name: string }) => row.name).sort()).toEqual([...files].sort());
    } finally {
      await Promise.all(instances.map((db) => db.destroy()));
    }
  });

  it('answers 503 while Postgres is down, bounded by the configured timeouts, and resumes when it is back', async () => {
    await ready();
    const { start, callback } = await signIn(web, alice, { scope: 'openid offline_access', prompt: 'consent' });
    const tokens = await exchangeCode(web, start, callback.url);
    const agent = new UserAgent();
    const pending = await agent.request((await startAuthorization(web)).url.href);
    expect(pending.body).toContain('name="password"');
    const eventsBefore = Number((await server.container.db('events').count({ n: '*' }))[0].n);

    await postgres.stop();

    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/readyz')).status).toBe(503);
    const basic = `Basic ${Buffer.from(`${web.clientId}:${web.clientSecret}`).toString('base64')}`;
    const answers = {
      authorize: await outageAnswer(await fetch((await startAuthorization(web)).url, { headers: { accept: 'text/html' }, redirect: 'manual' })),
      refresh: await outageAnswer(
        await get('/token', {
          method: 'POST',
          headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
          body: `grant_type=refresh_token&refresh_token=${tokens.refresh_token}`,
        }),
      ),
      userinfo: await outageAnswer(await get('/me', { headers: { authorization: `Bearer ${tokens.access_token}` } })),
      loginPage: await agent.request(pending.url).then((page) => ({ status: page.status, retryAfter: page.headers.get('retry-after'), body: page.body })),
    };
    for (const [name, answer] of Object.entries(answers)) {
      expect({ name, status: answer.status, retryAfter: answer.retryAfter }).toEqual({ name, status: 503, retryAfter: expect.stringMatching(/^\d+$/) });
      expect(answer.body).not.toMatch(STACK);
    }
    expect(JSON.parse(answers.refresh.body)).toMatchObject({ error: 'temporarily_unavailable' });

    await postgres.start();
    await waitFor('readiness after Postgres returns', async () => (await get('/readyz')).status === 200);
    // Nothing answered during the outage was a success, so no event can be missing: none was written.
    expect(Number((await server.container.db('events').count({ n: '*' }))[0].n)).toBe(eventsBefore);
    const refreshed = await oidc.refreshTokenGrant(web.config, tokens.refresh_token!);
    expect((await get('/me', { headers: { authorization: `Bearer ${refreshed.access_token}` } })).status).toBe(200);
    const issued = await server.container.db('events').where({ type: 'token.issued' }).orderBy('id', 'desc').first();
    expect(issued.detail).toMatchObject({ grantType: 'refresh_token' });
  });

  it('times out on a frozen Postgres instead of piling up, and resumes', async () => {
    await ready();
    const basic = `Basic ${Buffer.from(`${web.clientId}:${web.clientSecret}`).toString('base64')}`;
    const introspect = () =>
      get('/token/introspection', { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=unknown' });
    expect((await introspect()).status).toBe(200);
    postgres.pause();
    try {
      // More requests than the pool has connections: each waits at most the configured bound.
      const answers = await Promise.all(Array.from({ length: 12 }, introspect));
      expect(answers.map((answer) => answer.status)).toEqual(Array(12).fill(503));
    } finally {
      postgres.resume();
    }
    await waitFor('readiness after Postgres thaws', async () => (await get('/readyz')).status === 200);
    expect((await introspect()).status).toBe(200);
  });
});

import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from 'jose';
import * as oidc from 'openid-client';
import { startMetricsServer } from '../../../src/server.js';
import { usingRedis } from '../../support/database.js';
import { waitFor } from '../../support/private-servers.js';
import { grantClientApi } from '../../support/rbac.js';
import { exchangeCode, registerClient, signIn, startAuthorization, type RegisteredClient } from '../../support/relying-party.js';
import type { RoundRobinProxy } from '../../support/round-robin-proxy.js';
import type { TestServer } from '../../support/server.js';
import { startTwoInstances, type TwoInstances } from '../../support/two-instances.js';
import { UserAgent } from '../../support/user-agent.js';

// Two instances (and, in embedded mode, a PGlite that blocks the event loop while it starts) on a
// busy 2-core machine: set-up alone can take a minute.
jest.setTimeout(180_000);

const alice = { email: 'alice@example.com', password: 'correct horse battery staple' };
const API = 'https://api.example.test';

/**
 * Two instances on one database (and one Redis when REDIS_URL is set) behind a round-robin proxy:
 * every request goes to the other instance than the one before. Both have the proxy's issuer, as
 * behind a real load balancer.
 */
describe('two instances behind a round-robin proxy', () => {
  let cluster: TwoInstances;
  let proxy: RoundRobinProxy;
  let instances: TestServer[];
  let issuer: string;
  let web: RegisteredClient;

  const jwksOf = async (instance: TestServer) => createLocalJWKSet((await (await fetch(`${instance.issuer}/jwks`)).json()) as JSONWebKeySet);
  const aimAt = (index: number) => cluster.aimAt(index);

  beforeAll(async () => {
    cluster = await startTwoInstances({ TOKEN_REQUESTS_PER_CLIENT_PER_MINUTE: '4' });
    ({ proxy, instances, issuer } = cluster);
    await instances[0].container.accounts.createAccount(alice);
    web = await registerClient(issuer, instances[0].container);
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('finishes on one instance a login started on the other, and prompt=none on either sees the session', async () => {
    const before = proxy.served.length;
    const { start, callback, agent } = await signIn(web, alice);
    const tokens = await exchangeCode(web, start, callback.url);
    expect(tokens.id_token).toEqual(expect.any(String));
    expect(new Set(proxy.served.slice(before))).toEqual(new Set([0, 1]));

    for (const index of [0, 1]) {
      await aimAt(index);
      const silent = await startAuthorization(web, { prompt: 'none' });
      const page = await agent.request(silent.url.href);
      expect(new URL(page.url).searchParams.get('code')).toEqual(expect.any(String));
    }
  });

  it('issues tokens that verify with the JWKS of either instance', async () => {
    const { start, callback } = await signIn(web, alice);
    const { id_token: idToken } = await exchangeCode(web, start, callback.url);
    for (const instance of instances) {
      const { payload } = await jwtVerify(idToken!, await jwksOf(instance), { issuer, audience: web.clientId });
      expect(payload.sub).toEqual(expect.any(String));
    }
  });

  it('gives the same pairwise subject from either instance', async () => {
    const pairwise = await registerClient(issuer, instances[0].container);
    const row = await instances[0].container.db('clients').where({ client_id: pairwise.clientId }).first();
    await instances[0].container.db('clients').where({ client_id: pairwise.clientId }).update({ metadata: { ...row.metadata, subject_type: 'pairwise' } });
    const subjects = [];
    for (const index of [0, 1]) {
      const { start, callback } = await signIn(pairwise, alice);
      await aimAt(index);
      const tokens = await exchangeCode(pairwise, start, callback.url);
      subjects.push(decodeJwt(tokens.id_token!).sub);
    }
    expect(subjects[0]).toEqual(subjects[1]);
    const publicFlow = await signIn(web, alice);
    const publicTokens = await exchangeCode(web, publicFlow.start, publicFlow.callback.url);
    expect(subjects[0]).not.toEqual(decodeJwt(publicTokens.id_token!).sub);
  });

  (usingRedis() ? it : it.skip)('shares rate-limit counters (Redis; embedded mode is one process with limits in memory)', async () => {
    const machine = await registerClient(issuer, instances[0].container, { type: 'machine' });
    await grantClientApi(instances[0].container, machine.clientId, API, ['things:read']);
    for (let i = 0; i < 4; i += 1) await oidc.clientCredentialsGrant(machine.config, { resource: API, scope: 'things:read' });
    await expect(oidc.clientCredentialsGrant(machine.config, { resource: API, scope: 'things:read' })).rejects.toMatchObject({ status: 429 });
  });

  it('sees a key rotation made on one instance on all of them', async () => {
    for (const instance of instances) instance.container.providers.startKeyWatch(100);
    const { added } = await instances[0].container.keys.rotateSigningKeys();
    expect(added.length).toBeGreaterThan(0);
    for (const instance of instances) {
      await waitFor('the new keys in the JWKS', async () => {
        const { keys } = (await (await fetch(`${instance.issuer}/jwks`)).json()) as JSONWebKeySet;
        return added.every((kid) => keys.some((key) => key.kid === kid));
      });
    }
    const { start, callback } = await signIn(web, alice);
    const { id_token: idToken } = await exchangeCode(web, start, callback.url);
    for (const instance of instances) await jwtVerify(idToken!, await jwksOf(instance), { issuer, audience: web.clientId });
  });

  it('counts requests, logins and tokens in Prometheus metrics on a separate listener only', async () => {
    const metrics = await startMetricsServer(instances[0].container.metrics, { port: 0, host: '127.0.0.1' });
    try {
      const scrape = await fetch(`http://127.0.0.1:${metrics.port}/metrics`);
      expect(scrape.status).toBe(200);
      expect(scrape.headers.get('content-type')).toContain('text/plain');
      const text = await scrape.text();
      expect(text).toMatch(/idp_http_requests_total\{route="\/token",method="POST",status="200"\} \d+/);
      expect(text).toMatch(/idp_http_request_duration_seconds_bucket\{le="[^"]+",route="\/auth",method="GET"\}/);
      expect(text).toMatch(/idp_db_pool_connections|idp_redis_ready/);
      expect(text).toContain('idp_event_queue_depth 0');
      const both = (await Promise.all(instances.map((instance) => instance.container.metrics.registry.metrics()))).join('\n');
      expect(both).toMatch(/idp_tokens_issued_total\{grant_type="authorization_code",client_id="[^"]+"\} \d+/);
      expect(both).toMatch(/idp_logins_total\{outcome="success",reason=""\} \d+/);
      expect(text).not.toContain(alice.password);
      expect((await fetch(`http://127.0.0.1:${metrics.port}/`)).status).toBe(404);
      // The public port has no /metrics.
      expect((await fetch(`${instances[0].issuer}/metrics`)).status).toBe(404);
    } finally {
      await metrics.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestServer, type TestServer } from '../../support/server.js';
import { registerClient, startAuthorization } from '../../support/relying-party.js';
import { UserAgent } from '../../support/user-agent.js';

describe('health, headers and bad input', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('answers /healthz and /readyz with the state of each store', async () => {
    expect((await fetch(`${server.issuer}/healthz`)).status).toBe(200);
    const ready = await fetch(`${server.issuer}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { checks: { name: string; ok: boolean }[] };
    expect(body.checks.map((check) => check.name)).toContain('database');
    expect(body.checks.every((check) => check.ok)).toBe(true);
  });

  it('stamps every response with a request id, keeping a well-formed one from a proxy', async () => {
    const generated = await fetch(`${server.issuer}/healthz`);
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await fetch(`${server.issuer}/healthz`, { headers: { 'x-request-id': 'lb-1234567890' } });
    expect(kept.headers.get('x-request-id')).toBe('lb-1234567890');
    const replaced = await fetch(`${server.issuer}/healthz`, { headers: { 'x-request-id': 'bad id, {with} spaces' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses framing on pages and protocol endpoints alike', async () => {
    for (const path of ['/healthz', '/.well-known/openid-configuration', '/interaction/unknown']) {
      const response = await fetch(`${server.issuer}${path}`);
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(response.headers.get('x-frame-options')).toBe('DENY');
    }
  });

  it('answers an unknown or expired interaction with a clear 400 page, not a stack trace', async () => {
    const response = await fetch(`${server.issuer}/interaction/does-not-exist`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(400);
    const body = await response.text();
    expect(body).toContain('This sign-in page has expired');
    expect(body).not.toMatch(/at .*\.ts:\d+/);
  });

  it('rejects an oversized login form with 413 and malformed input with 4xx', async () => {
    const web = await registerClient(server.issuer, server.container);
    const agent = new UserAgent();
    const loginPage = await agent.request((await startAuthorization(web)).url.href);
    const action = UserAgent.action(loginPage, '/login');
    const cookie = await agent.jar.getCookieString(action);
    const post = (body: string, type = 'application/x-www-form-urlencoded') =>
      fetch(action, { method: 'POST', redirect: 'manual', headers: { 'content-type': type, cookie, accept: 'text/html' }, body });
    const huge = await post(`csrf=${UserAgent.field(loginPage, 'csrf')}&email=a%40b.c&password=${'x'.repeat(40_000)}`);
    expect(huge.status).toBe(413);
    const wrongType = await post('{"email":"a"}', 'application/json');
    expect(wrongType.status).toBeGreaterThanOrEqual(400);
    expect(wrongType.status).toBeLessThan(500);
    const missing = await post(`csrf=${UserAgent.field(loginPage, 'csrf')}`);
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('email');
  });

  it('answers unknown API paths with problem+json and protocol errors in OAuth format', async () => {
    const token = await fetch(`${server.issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=%ZZ' });
    expect(token.status).toBe(400);
    expect(token.headers.get('content-type')).toContain('application/json');
    expect(await token.json()).toMatchObject({ error: 'invalid_request', error_description: expect.any(String) });
    for (const path of ['/admin/api/v1/no-such-thing', '/api/authz/no-such-thing']) {
      const api = await fetch(`${server.issuer}${path}`, { headers: { accept: 'application/json' } });
      expect({ path, status: api.status, type: api.headers.get('content-type') }).toEqual({ path, status: 404, type: expect.stringContaining('application/problem+json') });
      expect(await api.json()).toMatchObject({ status: 404, type: expect.stringMatching(/^urn:idp:error:/), title: expect.any(String) });
    }
    // A path no router claims falls through to oidc-provider, whose answer is a plain 404 (no stack trace).
    const unknown = await fetch(`${server.issuer}/interaction/x/unknown-step`, { method: 'POST', headers: { accept: 'application/json' } });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).not.toMatch(/\bat .*\.(ts|js):\d+/);
  });
});

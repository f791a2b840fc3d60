import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { appRouters } from '../../../src/app.js';
import { ADMIN_ROUTES } from '../../support/admin-routes.js';
import { bootstrapAdmin, machineToken } from '../../support/admin.js';
import { ERROR_SCHEMA, provisioningDirectory } from '../../support/scim.js';
import { startTestServer, type TestServer } from '../../support/server.js';

/**
 * Issue 15 item 8 / issue 23: text PostgreSQL cannot store (U+0000; unpaired surrogates in JSON) is
 * refused at the edge for every route of every router and every protocol endpoint, never a 500 from
 * the database. The routes are enumerated from the routers themselves and from the discovery document.
 */
describe('text PostgreSQL cannot store is refused everywhere', () => {
  let server: TestServer;
  let adminToken: string;
  let checkToken: string;
  let scimToken: string;
  let routes: { method: string; path: string }[];
  let endpoints: string[];

  beforeAll(async () => {
    server = await startTestServer();
    const admin = await bootstrapAdmin(server);
    adminToken = admin.token;
    checkToken = await machineToken(server, admin.clientId, admin.secret, server.container.systemApis.authz.identifier);
    scimToken = (await provisioningDirectory(server, 'Probe directory')).token;
    // Every method a route answers, but those fetch refuses to send (forbidden methods): the SCIM
    // router's catch-all answers all methods. Node's server never hands CONNECT to the app anyway.
    routes = appRouters(server.container).flatMap((router) =>
      router.stack.flatMap((layer) => layer.methods.filter((method) => !UNSENDABLE.has(method)).map((method) => ({ method, path: String(layer.path) }))),
    );
    const discovery = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    endpoints = Object.entries(discovery)
      .filter(([key, value]) => (key.endsWith('_endpoint') || key === 'jwks_uri') && typeof value === 'string')
      .map(([, value]) => new URL(value as string).pathname);
  });
  afterAll(() => server.close());

  const UNSENDABLE = new Set(['HEAD', 'CONNECT', 'TRACE', 'TRACK']);
  const isScim = (path: string) => path.startsWith('/scim/');
  const isApi = (path: string) => path.startsWith('/admin/api') || path.startsWith('/api/authz') || isScim(path);
  const isPage = (path: string) => path.startsWith('/interaction') || path.startsWith('/account');
  const tokenFor = (path: string) =>
    path.startsWith('/api/authz') ? checkToken : path.startsWith('/admin/api') ? adminToken : isScim(path) ? scimToken : undefined;
  const bearer = (path: string): Record<string, string> => (tokenFor(path) ? { authorization: `Bearer ${tokenFor(path)}` } : {});
  /** Fills every parameter of a route path; `bad` names the one that gets the NUL. */
  const fill = (path: string, bad?: string) => path.replace(/:(\w+)/g, (_match, name: string) => (name === bad ? 'x%00y' : 'probe-value'));

  async function send(method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}) {
    const response = await fetch(`${server.issuer}${path}`, { method, redirect: 'manual', headers: { accept: 'application/json', ...init.headers }, body: init.body });
    const type = response.headers.get('content-type') ?? '';
    const text = await response.text();
    return { status: response.status, type, body: type.includes('json') ? JSON.parse(text) : text };
  }

  /** What a refusal must look like where it happened. */
  function expectRefusal(path: string, answer: Awaited<ReturnType<typeof send>>, field: string) {
    expect({ path, status: answer.status }).toEqual({ path, status: 400 });
    if (isScim(path)) {
      // SCIM clients read SCIM error bodies (RFC 7644 §3.12), not problem+json.
      expect(answer.type).toContain('application/scim+json');
      expect(answer.body).toEqual({ schemas: [ERROR_SCHEMA], status: '400', scimType: 'invalidValue', detail: `${field}: must not contain NUL characters or unpaired surrogates` });
    } else if (isApi(path) || isPage(path) || !answer.type.includes('json') || !('error' in answer.body)) {
      expect(answer.type).toContain('application/problem+json');
      expect(answer.body).toMatchObject({ status: 400, type: 'urn:idp:error:validation-failed', field });
    } else {
      expect(answer.body).toEqual({ error: 'invalid_request', error_description: expect.stringContaining(field) });
    }
  }

  it('in a query parameter of every route of every router', async () => {
    expect(routes.length).toBeGreaterThan(80);
    for (const route of routes) {
      const answer = await send(route.method, `${fill(route.path)}?probe=a%00b`, { headers: bearer(route.path) });
      expectRefusal(route.path, answer, 'probe');
    }
  });

  it('in each path parameter of every route, named by its parameter', async () => {
    const withParams = routes.filter((route) => route.path.includes(':'));
    expect(withParams.length).toBeGreaterThan(40);
    for (const route of withParams) {
      for (const [, name] of route.path.matchAll(/:(\w+)/g)) {
        const answer = await send(route.method, fill(route.path, name), { headers: bearer(route.path) });
        expectRefusal(route.path, answer, isApi(route.path) ? name : answer.body.field);
      }
    }
  });

  it('in the JSON body of every API route that takes one, NUL or a lone surrogate, in a value or a key', async () => {
    // The operations declared with a request body: the admin API's, the check API and SCIM's writes.
    const writes = [
      ...ADMIN_ROUTES.filter((route) => route.body).map((route) => ({ method: route.method.toUpperCase(), path: `/admin/api/v1${route.path}` })),
      { method: 'POST', path: '/api/authz/check' },
      ...routes.filter((route) => isScim(route.path) && ['POST', 'PUT', 'PATCH'].includes(route.method) && !route.path.includes('{')),
    ];
    expect(writes.filter((write) => isScim(write.path))).toHaveLength(6);
    expect(writes.every((write) => routes.some((route) => route.method === write.method && route.path === write.path))).toBe(true);
    for (const route of writes) {
      for (const [body, field] of [
        ['{"name":"a\\u0000b"}', 'name'],
        ['{"nested":{"list":["ok","\\ud800"]}}', 'nested.list.1'],
        ['{"a\\u0000":1}', 'a\\0'],
      ]) {
        const answer = await send(route.method, fill(route.path), { headers: { ...bearer(route.path), 'content-type': 'application/json' }, body });
        expectRefusal(route.path, answer, field);
      }
    }
  });

  it('in the form body of every hosted page that takes one, as the normal error page', async () => {
    const forms = routes.filter((route) => !isApi(route.path) && route.method === 'POST');
    expect(forms.length).toBeGreaterThan(15);
    for (const route of forms) {
      const answer = await send(route.method, fill(route.path), {
        headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
        body: 'email=someone%00%40example.com&password=x',
      });
      expect({ path: route.path, status: answer.status, type: answer.type }).toEqual({ path: route.path, status: 400, type: expect.stringContaining('text/html') });
      expect(answer.body).toContain('email: must not contain NUL');
    }
  });

  it('at every protocol endpoint of the discovery document: query, form body and Basic credentials', async () => {
    expect(endpoints).toEqual(expect.arrayContaining(['/auth', '/token', '/me', '/jwks']));
    for (const path of endpoints) {
      expectRefusal(path, await send('GET', `${path}?client_id=x%00`), 'client_id');
      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      expectRefusal(path, await send('POST', path, { headers: form, body: 'grant_type=client_credentials&client_id=x%00' }), 'client_id');
      const basic = `Basic ${Buffer.from('x%00:secret').toString('base64')}`;
      expectRefusal(path, await send('POST', path, { headers: { ...form, authorization: basic }, body: 'grant_type=client_credentials' }), 'client_id');
    }
  });

  it('GET /auth with client_id=x%00 shows the sign-in error page to a browser, as oidc-provider shows invalid_request', async () => {
    const answer = await send('GET', '/auth?client_id=x%00&response_type=code&scope=openid&redirect_uri=http%3A%2F%2Flocalhost%2Fcb', { headers: { accept: 'text/html' } });
    expect(answer.status).toBe(400);
    expect(answer.type).toContain('text/html');
    expect(answer.body).toContain('This sign-in request cannot continue');
    expect(answer.body).toContain('invalid_request');
  });

  it('a protocol body is checked as oidc-provider decodes it: in its declared charset', async () => {
    // UTF-16 puts a zero byte beside every ASCII character: read as UTF-8 it would look full of NULs,
    // yet oidc-provider decodes it with the declared charset and stores none. What is checked is that text.
    const utf16 = (text: string) => new Uint8Array(Buffer.from(text, 'utf16le'));
    const headers = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-16le', authorization: `Basic ${Buffer.from('nobody:secret').toString('base64')}` };
    const post = async (body: Uint8Array<ArrayBuffer>) => {
      const response = await fetch(`${server.issuer}/token`, { method: 'POST', headers, body });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    expect(await post(utf16('grant_type=client_credentials&scope=read'))).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(await post(utf16('grant_type=client_credentials&scope=re\0ad'))).toEqual({
      status: 400,
      body: { error: 'invalid_request', error_description: expect.stringContaining('scope') },
    });
  });

  it('the same requests without the NUL still reach the routes and oidc-provider', async () => {
    const token = await send('POST', '/token', {
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('nobody:secret').toString('base64')}` },
      body: 'grant_type=client_credentials',
    });
    expect(token).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    const check = await send('POST', '/api/authz/check', { headers: { ...bearer('/api/authz'), 'content-type': 'application/json' }, body: '{"subject":"client:nobody","permission":"x"}' });
    expect(check).toMatchObject({ status: 200, body: { allowed: false } });
  });
});

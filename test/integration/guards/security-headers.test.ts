import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestServer, type TestServer } from '../../support/server.js';

const PUBLIC_ORIGIN = 'https://id.example.test';

/**
 * Issue 24: the whole header set on pages, API and protocol answers, and the cookie flags, with an
 * https issuer behind a trusted proxy as production runs (this test process is the proxy).
 */
describe('security headers and cookie flags behind an https proxy', () => {
  let server: TestServer;
  let local: string;

  beforeAll(async () => {
    server = await startTestServer({ env: { ISSUER: PUBLIC_ORIGIN, TRUSTED_PROXIES: '127.0.0.1' } });
    local = `http://127.0.0.1:${server.http.port}`;
  });
  afterAll(() => server.close());

  /** A request as the TLS-terminating proxy forwards it. */
  const viaProxy = (path: string, init: RequestInit = {}) =>
    fetch(`${local}${path.replace(PUBLIC_ORIGIN, '')}`, {
      redirect: 'manual',
      ...init,
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'id.example.test', 'x-forwarded-for': '203.0.113.5', ...(init.headers as Record<string, string>) },
    });

  function expectHeaderSet(what: string, headers: Headers) {
    const csp = headers.get('content-security-policy') ?? '';
    expect({ what, csp }).toEqual({ what, csp: expect.stringContaining("default-src 'none'") });
    for (const directive of ["frame-ancestors 'none'", "base-uri 'none'", "script-src 'self'"]) expect({ what, csp }).toEqual({ what, csp: expect.stringContaining(directive) });
    expect({
      what,
      nosniff: headers.get('x-content-type-options'),
      referrer: headers.get('referrer-policy'),
      corp: headers.get('cross-origin-resource-policy'),
      frame: headers.get('x-frame-options'),
      hsts: headers.get('strict-transport-security'),
    }).toEqual({ what, nosniff: 'nosniff', referrer: 'no-referrer', corp: 'same-origin', frame: 'DENY', hsts: 'max-age=31536000; includeSubDomains' });
  }

  it('on hosted pages, both APIs, health and every kind of protocol answer', async () => {
    const answers: Array<[string, Response]> = [
      ['page', await viaProxy('/account/forgot')],
      ['page redirect', await viaProxy('/account')],
      ['admin API refusal', await viaProxy('/admin/api/v1/accounts')],
      ['check API refusal', await viaProxy('/api/authz/check', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })],
      ['health', await viaProxy('/health')],
      ['not found', await viaProxy('/no/such/page')],
      ['discovery', await viaProxy('/.well-known/openid-configuration')],
      ['jwks', await viaProxy('/jwks')],
      ['token error', await viaProxy('/token', { method: 'POST', body: 'grant_type=client_credentials', headers: { 'content-type': 'application/x-www-form-urlencoded' } })],
      ['authorization error page', await viaProxy('/auth?client_id=unknown&response_type=code&scope=openid')],
    ];
    for (const [what, response] of answers) {
      await response.arrayBuffer();
      expect({ what, status: response.status < 500 }).toEqual({ what, status: true });
      expectHeaderSet(what, response.headers);
    }
    const discovery = (await (await viaProxy('/.well-known/openid-configuration')).json()) as { issuer: string };
    expect(discovery.issuer).toBe(PUBLIC_ORIGIN);
  });

  it('cookies are HttpOnly, SameSite, Secure and signed (the sign-in redirects and a form page)', async () => {
    const cookies: string[] = [];
    let location: string | null = '/account';
    for (let hop = 0; location && hop < 6; hop += 1) {
      const response = await viaProxy(location);
      cookies.push(...response.headers.getSetCookie());
      await response.arrayBuffer();
      location = response.status >= 300 && response.status < 400 ? response.headers.get('location') : null;
    }
    expect(location).toBeNull();
    // The account pages' forms set the CSRF cookie.
    const forgot = await viaProxy('/account/forgot');
    cookies.push(...forgot.headers.getSetCookie());
    await forgot.arrayBuffer();
    const names = cookies.map((cookie) => cookie.split('=')[0]);
    expect(names).toEqual(expect.arrayContaining(['_interaction', '_interaction.sig', 'idp.csrf', 'idp.csrf.sig']));
    for (const cookie of cookies) {
      const flags = cookie.split(';').slice(1).map((flag) => flag.trim().toLowerCase());
      expect({ cookie, httpOnly: flags.includes('httponly'), secure: flags.includes('secure'), sameSite: flags.some((flag) => /^samesite=(lax|strict)$/.test(flag)) }).toEqual({ cookie, httpOnly: true, secure: true, sameSite: true });
    }
    // Signed: every value cookie travels with its keygrip signature.
    for (const name of names.filter((candidate) => !candidate.endsWith('.sig'))) expect(names).toContain(`${name}.sig`);
  });
});

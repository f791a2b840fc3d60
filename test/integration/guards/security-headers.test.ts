import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestServer, type TestServer } from '../../support/server.js';
import { UserAgent, type Page } from '../../support/user-agent.js';

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

  it('the session cookie a sign-in sets is HttpOnly, SameSite, Secure and signed, and a forged one is not a session', async () => {
    await server.container.accounts.createAccount({ email: 'cookie-flags@example.com', password: 'the quiet river runs deep', emailVerified: true });
    // A cookie jar of the test's own: the cookies are Secure, and the proxy's client speaks https.
    const jar = new Map<string, string>();
    const setCookies: string[] = [];
    const send = async (path: string, init: RequestInit = {}) => {
      const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
      const response = await viaProxy(path, { ...init, headers: { ...(cookie ? { cookie } : {}), ...(init.headers as Record<string, string>) } });
      for (const line of response.headers.getSetCookie()) {
        setCookies.push(line);
        const [pair] = line.split(';');
        const name = pair.slice(0, pair.indexOf('='));
        const value = pair.slice(pair.indexOf('=') + 1);
        if (value) jar.set(name, value);
        else jar.delete(name);
      }
      return response;
    };
    /** Follows redirects (through the proxy) and returns the last answer as a page. */
    const follow = async (first: Response): Promise<Page> => {
      let response = first;
      for (let hop = 0; response.status >= 300 && response.status < 400 && hop < 8; hop += 1) {
        const location = response.headers.get('location')!;
        await response.arrayBuffer();
        response = await send(new URL(location, PUBLIC_ORIGIN).pathname + new URL(location, PUBLIC_ORIGIN).search);
      }
      return { status: response.status, url: response.url, headers: response.headers, body: await response.text() };
    };
    const login = await follow(await send('/account'));
    const action = /action="([^"]*\/login)"/.exec(login.body)![1].replaceAll('&amp;', '&');
    const account = await follow(
      await send(new URL(action, PUBLIC_ORIGIN).pathname, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf: UserAgent.field(login, 'csrf'), email: 'cookie-flags@example.com', password: 'the quiet river runs deep' }),
      }),
    );
    expect(account.body).toContain('cookie-flags@example.com');

    const sessionCookies = setCookies.filter((line) => /^_session(\.sig)?=[^;]/.test(line));
    // (Set on each save of the session: every time with the same flags.)
    expect([...new Set(sessionCookies.map((line) => line.split('=')[0]))].sort()).toEqual(['_session', '_session.sig']);
    for (const cookie of sessionCookies) {
      const flags = cookie.split(';').slice(1).map((flag) => flag.trim().toLowerCase());
      expect({ cookie, httpOnly: flags.includes('httponly'), secure: flags.includes('secure'), sameSite: flags.some((flag) => /^samesite=(lax|strict)$/.test(flag)) }).toEqual({ cookie, httpOnly: true, secure: true, sameSite: true });
    }
    // The signature is checked: the same session id under a changed signature opens no account page.
    const signature = jar.get('_session.sig')!;
    jar.set('_session.sig', `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`);
    const forged = await send('/account');
    await forged.arrayBuffer();
    expect(forged.status).toBe(302);
    expect(forged.headers.get('location')).toContain('/auth?');
    jar.set('_session.sig', signature);
    const genuine = await send('/account');
    expect({ status: genuine.status, body: (await genuine.text()).includes('cookie-flags@example.com') }).toEqual({ status: 200, body: true });
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { bootstrapAdmin, type ApiClient } from '../../support/admin.js';
import { REDIRECT_URI, startAuthorization, submitLogin } from '../../support/relying-party.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { UserAgent } from '../../support/user-agent.js';
import * as oidc from 'openid-client';
import { runCli } from '../../support/processes.js';

const alice = { email: 'alice@example.com', password: 'correct horse battery staple' };
const LOGO = 'https://cdn.acme.example/notes-logo.png';
const imgSrc = (csp: string | null) => /(?:^|;)\s*img-src([^;]*)/.exec(csp ?? '')?.[1].trim().split(/\s+/) ?? [];

/**
 * A client's logo, privacy policy and terms (OIDC Registration §2 logo_uri, policy_uri, tos_uri): only
 * https (http for localhost), length-limited, never javascript: or data:, through the admin API and the
 * CLI; shown on that client's login and consent pages, whose CSP alone allows the logo's origin.
 */
describe("a client's logo and links on its pages", () => {
  let server: TestServer;
  let admin: ApiClient;

  beforeAll(async () => {
    server = await startTestServer({ env: { PRODUCT_NAME: 'Acme ID' } });
    await server.container.accounts.createAccount(alice);
    admin = await bootstrapAdmin(server);
  });
  afterAll(async () => {
    await server?.close();
  });

  const base = { name: 'Acme Notes', type: 'web', redirect_uris: [REDIRECT_URI] };

  it.each([
    ['a javascript: logo_uri', 'logo_uri', 'javascript:alert(document.domain)', 'must be an https URL'],
    ['a data: logo_uri', 'logo_uri', 'data:image/svg+xml,<svg onload=alert(1)>', 'must be an https URL'],
    ['an http policy_uri off localhost', 'policy_uri', 'http://acme.example/privacy', 'must be an https URL (http only for localhost)'],
    ['a tos_uri with credentials', 'tos_uri', 'https://user:pass@acme.example/terms', 'must not carry credentials'],
    ['a logo_uri over 2000 characters', 'logo_uri', `https://acme.example/${'a'.repeat(2001)}`, 'Too big'],
    ['an ftp: tos_uri', 'tos_uri', 'ftp://acme.example/terms', 'must be an https URL'],
  ])('refuses %s at registration with a 400 naming the field', async (_label, field, value, message) => {
    const created = await admin.call('POST', '/admin/api/v1/clients', { ...base, [field]: value });
    expect(created.status).toBe(400);
    expect(JSON.stringify(created.body)).toContain(field);
    expect(JSON.stringify(created.body)).toMatch(new RegExp(message.replace(/[()]/g, '\\$&'), 'i'));
    // The service refuses it too, whoever calls it (the console, the CLI).
    const camel = { logo_uri: 'logoUri', policy_uri: 'policyUri', tos_uri: 'tosUri' }[field]!;
    await expect(server.container.clients.createClient({ name: 'x', type: 'web', redirectUris: [REDIRECT_URI], postLogoutRedirectUris: [], [camel]: value })).rejects.toMatchObject({ status: 400 });
  });

  it('refuses a javascript: link from the CLI too', async () => {
    // The CLI opens the database itself: with PostgreSQL only (an embedded data folder belongs to one process).
    if (!process.env.DATABASE_URL) return;
    const result = await runCli(['client', 'create', '--name', 'CLI app', '--type', 'web', '--redirect-uri', REDIRECT_URI, '--tos-uri', 'javascript:alert(1)', '--json'], {
      DATABASE_URL: process.env.DATABASE_URL, DATABASE_SCHEMA: server.testDatabase.schema, DATA_DIR: '/nonexistent', SERVER_SECRET: 'test-server-secret-that-is-long-enough-0123456789',
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(/tosUri: must be an https URL/);
  });

  it('stores, shows, changes and removes the links through the admin API', async () => {
    const created = await admin.call('POST', '/admin/api/v1/clients', { ...base, logo_uri: LOGO, policy_uri: 'https://acme.example/privacy', tos_uri: 'http://localhost:8080/terms' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ logo_uri: LOGO, policy_uri: 'https://acme.example/privacy', tos_uri: 'http://localhost:8080/terms' });
    const changed = await admin.call('PATCH', `/admin/api/v1/clients/${created.body.client_id}`, { tos_uri: null, policy_uri: 'https://acme.example/privacy-2' });
    expect(changed.body).toMatchObject({ logo_uri: LOGO, policy_uri: 'https://acme.example/privacy-2', tos_uri: null });
    expect((await admin.call('PATCH', `/admin/api/v1/clients/${created.body.client_id}`, { logo_uri: 'javascript:x' })).status).toBe(400);
  });

  it("allows the logo's origin in img-src on that client's login and consent pages only", async () => {
    const { client, clientSecret } = await server.container.clients.createClient({
      name: 'Acme Notes', type: 'web', redirectUris: [REDIRECT_URI], postLogoutRedirectUris: [],
      logoUri: LOGO, policyUri: 'https://acme.example/privacy', tosUri: 'https://acme.example/terms',
    });
    const config = await oidc.discovery(new URL(server.issuer), client.client_id, undefined, oidc.ClientSecretBasic(clientSecret!), { execute: [oidc.allowInsecureRequests] });
    const agent = new UserAgent(REDIRECT_URI);
    const login = await agent.request((await startAuthorization({ clientId: client.client_id, clientSecret, config })).url.href);
    expect(login.body).toContain(`<img class="client-logo" src="${LOGO}"`);
    expect(login.body).toContain('<a href="https://acme.example/privacy" rel="noopener noreferrer">Privacy policy</a>');
    expect(login.body).toContain('<a href="https://acme.example/terms" rel="noopener noreferrer">Terms of service</a>');
    expect(imgSrc(login.headers.get('content-security-policy'))).toEqual(["'self'", 'data:', 'https://cdn.acme.example']);

    const consent = await submitLogin(agent, login, alice.email, alice.password);
    expect(consent.body).toContain('Allow access?');
    expect(consent.body).toContain(`<img class="client-logo" src="${LOGO}"`);
    expect(imgSrc(consent.headers.get('content-security-policy'))).toEqual(["'self'", 'data:', 'https://cdn.acme.example']);
    // Everything else keeps the strict policy: the account page, another client's login, the assets.
    const other = await server.container.clients.createClient({ name: 'Plain', type: 'spa', redirectUris: [REDIRECT_URI], postLogoutRedirectUris: [] });
    const plainConfig = await oidc.discovery(new URL(server.issuer), other.client.client_id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    const plain = await new UserAgent(REDIRECT_URI).request((await startAuthorization({ clientId: other.client.client_id, config: plainConfig })).url.href);
    expect(plain.body).not.toContain('client-logo');
    expect(plain.body).not.toContain('Privacy policy');
    for (const page of [plain, await agent.request(`${server.issuer}/account/forgot`), await agent.request(`${server.issuer}/assets/idp.css`)]) {
      expect(imgSrc(page.headers.get('content-security-policy'))).toEqual(["'self'", 'data:']);
    }
  });

  it('leaves out a stored link that fails the rule (a row written before it), and its origin', async () => {
    const { client, clientSecret } = await server.container.clients.createClient({ name: 'Old app', type: 'web', redirectUris: [REDIRECT_URI], postLogoutRedirectUris: [] });
    await server.container.db('clients').where({ client_id: client.client_id }).update({ metadata: { ...client.metadata, logo_uri: 'http://tracker.example/pixel.gif', policy_uri: 'http://tracker.example/policy' } });
    const config = await oidc.discovery(new URL(server.issuer), client.client_id, undefined, oidc.ClientSecretBasic(clientSecret!), { execute: [oidc.allowInsecureRequests] });
    const login = await new UserAgent(REDIRECT_URI).request((await startAuthorization({ clientId: client.client_id, clientSecret, config })).url.href);
    expect(login.status).toBe(200);
    expect(login.body).not.toContain('tracker.example');
    expect(login.body).not.toContain('Privacy policy');
    expect(imgSrc(login.headers.get('content-security-policy'))).toEqual(["'self'", 'data:']);
  });
});

import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ADMIN_CONSOLE_CLIENT_ID } from '../../../src/clients/admin-console.js';
import { createOperator, signInToConsole } from '../../support/console.js';
import { ManualClock } from '../../support/manual-clock.js';
import { insertPasskey } from '../../support/passkey-fixture.js';
import { PSEUDO_LOCALE, textOutsideCatalog, writePseudoLocaleFolder } from '../../support/pseudo-locale.js';
import { TEST_ACTOR } from '../../support/rbac.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { UserAgent, type Page } from '../../support/user-agent.js';

/**
 * The console's pages shown after a POST, in the pseudo-locale of console-pages.test.ts: every form
 * submitted with bad input (the error next to its field, or the alert above the form), refused changes
 * (409), the secrets shown once, the notices after a change, the 403 page of a read-only operator, a
 * failed sign-in, and the 404 pages (an unknown id, an unknown console path). The admin API's own
 * reason sits inside the translated sentence console.common.notAccepted / apiRefused, so it is inside
 * the sentence's markers: it needs no listing here.
 */
describe('every console page shown after a form takes all its text from the catalogs', () => {
  const clock = new ManualClock(Date.now());
  const folder = writePseudoLocaleFolder();
  let server: TestServer;
  let agent: UserAgent;
  let reader: UserAgent;
  let csrf: string;
  const ids: Record<string, string> = {};
  const DATA = [
    'Acme', 'ops@example.com', 'pat@example.com', 'solo@example.com', 'Pat Doe', 'Billing app', 'Batch job', 'Invoices', 'https://invoices.example.com', 'invoices:read', 'Read invoices',
    'Auditors', 'Can read invoices', 'Finance', 'Money people', 'invoice:42', 'Corp SSO', 'corp', 'https://sso.corp.example', 'department', 'Department', 'Sales',
    'hr', 'Your HR details', 'Client feed', 'Work laptop', 'Admin console', 'Second app', 'https://second.example/cb', 'Second group',
    // Values typed into the forms, shown back in them or as a page's title.
    'no such type', 'https://hooks.example.com/other', 'https://hooks.example.com/in', 'new@example.com', 'Second role', 'partner', 'Partner SSO', 'https://sso.partner.example', 'cost_center', 'finance',
  ];

  beforeAll(async () => {
    server = await startTestServer({ clock, env: { LOCALES_DIR: folder, DEFAULT_LOCALE: PSEUDO_LOCALE, PRODUCT_NAME: 'Acme' } });
    const { container } = server;
    const operator = await createOperator(server, clock, 'ops@example.com', ['admin:read', 'admin:write']);
    const readOnly = await createOperator(server, clock, 'reader@example.com', ['admin:read']);
    const pat = await container.accounts.createAccount({ email: 'pat@example.com', name: 'Pat Doe', password: 'pat has a long password', emailVerified: true });
    ids.account = pat.id;
    // An account whose only way in is a passkey: removing it is refused (409 LAST_WAY_IN).
    ids.solo = (await container.accounts.createAccount({ email: 'solo@example.com', emailVerified: true })).id;
    ids.passkey = '00000000-0000-4000-8000-0000000000c1';
    await insertPasskey(container.db, { id: ids.passkey, accountId: ids.solo, credentialId: 'Y29uc29sZS1rZXk', name: 'Work laptop' });
    ids.client = (await container.clients.createClient({ name: 'Billing app', type: 'web', redirectUris: ['https://billing.example/cb'], postLogoutRedirectUris: [] })).client.client_id;
    const api = await container.resources.createResource({ identifier: 'https://invoices.example.com', name: 'Invoices', permissions: [{ name: 'invoices:read', description: 'Read invoices' }] }, TEST_ACTOR);
    ids.api = api.id;
    ids.permission = (await container.resources.findPermission('https://invoices.example.com', 'invoices:read'))!.id;
    ids.role = (await container.roles.createRole({ name: 'Auditors', description: 'Can read invoices' }, TEST_ACTOR)).id;
    ids.group = (await container.groups.createGroup({ name: 'Finance', description: 'Money people' }, TEST_ACTOR)).id;
    ids.grant = (await container.objectGrants.createObjectGrant({ subject: { type: 'group', id: ids.group }, permissionId: ids.permission, object: 'invoice:42' }, TEST_ACTOR)).id;
    ids.connection = (await container.connections.createConnection({ slug: 'corp', display_name: 'Corp SSO', issuer: 'https://sso.corp.example', client_id: 'broker', client_secret: 'a-client-secret-of-the-broker' }, TEST_ACTOR)).id;
    await container.attributes.defineAttribute({ name: 'department', type: 'enum', label: 'Department', rule: { options: ['Sales'] } }, TEST_ACTOR);
    await container.attributes.defineScope({ name: 'hr', description: 'Your HR details', claims: ['department'] }, TEST_ACTOR);
    ids.webhook = (await container.webhooks.createWebhook({ url: 'http://127.0.0.1:9/hook', eventTypes: ['login.*'], description: 'Client feed' })).webhook.id;
    let page: Page;
    ({ agent, page } = await signInToConsole(server, operator, clock));
    csrf = UserAgent.field(page, 'csrf');
    ({ agent: reader } = await signInToConsole(server, readOnly, clock));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  const post = (who: UserAgent, path: string, form: Record<string, string> = {}) => who.request(`${server.issuer}${path}`, { form: { csrf, ...form } });
  /** The page is in the pseudo-locale, and nothing but data is outside the catalogs' markers. */
  const expectTranslated = (label: string, page: Page) => {
    expect([label, page.status < 500, page.body]).toEqual([label, true, expect.stringContaining(`<html lang="${PSEUDO_LOCALE}" dir="ltr">`)]);
    expect([label, textOutsideCatalog(page.body, DATA).replace(/\b\d+\b/g, '').replace(/\s+/g, ' ').trim()]).toEqual([label, '']);
  };

  /**
   * [what, path, form, status of the page it ends on]: bad input, a refused change (409 from the API, shown
   * as 400 next to its field or 409 above the form), or a change (200, the page with its notice).
   */
  const forms = (): Record<string, Array<[string, string, Record<string, string>, number]>> => ({
    accounts: [
      ['new: bad email', '/admin/accounts/new', { email: 'not an address', name: '', access: 'password', password: 'x' }, 400],
      ['new: taken email', '/admin/accounts/new', { email: 'pat@example.com', name: '', access: 'invite' }, 400],
      ['new: created', '/admin/accounts/new', { email: 'new@example.com', name: '', access: 'invite' }, 200],
      ['attributes: bad value', `/admin/accounts/${ids.account}/attributes/save`, { attr_department: 'Nowhere' }, 400],
      ['attributes: saved', `/admin/accounts/${ids.account}/attributes/save`, { attr_department: 'Sales' }, 200],
      ['access: unknown role', `/admin/accounts/${ids.account}/access/add-role`, { role: 'no-such-role' }, 404],
      ['access: role given', `/admin/accounts/${ids.account}/access/add-role`, { role: ids.role }, 200],
      ['access: role taken away', `/admin/accounts/${ids.account}/access/remove-role`, { role: ids.role }, 200],
      ['access: group joined', `/admin/accounts/${ids.account}/access/add-group`, { group: ids.group }, 200],
      ['access: group left', `/admin/accounts/${ids.account}/access/remove-group`, { group: ids.group }, 200],
      ['reset link', `/admin/accounts/${ids.account}/send-reset-link`, {}, 200],
      ['invitation', `/admin/accounts/${ids.account}/send-invitation`, {}, 200],
      ['reset mfa (none)', `/admin/accounts/${ids.account}/reset-mfa`, {}, 200],
      ['end sessions', `/admin/accounts/${ids.account}/end-sessions`, {}, 200],
      ['disable', `/admin/accounts/${ids.account}/disable`, {}, 200],
      ['enable', `/admin/accounts/${ids.account}/enable`, {}, 200],
      ['unlock', `/admin/accounts/${ids.account}/unlock`, {}, 200],
      ['last way in', `/admin/accounts/${ids.solo}/remove-passkey`, { passkey: ids.passkey }, 409],
      ['unknown grant', `/admin/accounts/${ids.account}/revoke-grant`, { grant: '' }, 404],
    ],
    clients: [
      ['new: bad redirect', '/admin/clients/new', { name: 'Second app', type: 'web', redirect_uris: 'not a url', default_max_age: '' }, 400],
      ['new: bad max age', '/admin/clients/new', { name: 'Second app', type: 'web', redirect_uris: 'https://second.example/cb', default_max_age: 'soon' }, 400],
      ['new: created with its secret', '/admin/clients/new', { name: 'Second app', type: 'web', redirect_uris: 'https://second.example/cb', default_max_age: '' }, 200],
      ['edit: no name', `/admin/clients/${ids.client}/edit`, { name: '', redirect_uris: 'https://billing.example/cb' }, 400],
      ['edit: saved', `/admin/clients/${ids.client}/edit`, { name: 'Billing app', redirect_uris: 'https://billing.example/cb' }, 200],
      ['rotate: the new secret', `/admin/clients/${ids.client}/rotate-secret`, {}, 200],
      ['built-in client', `/admin/clients/${ADMIN_CONSOLE_CLIENT_ID}/delete`, {}, 409],
    ],
    APIs: [
      ['new: bad identifier', '/admin/resources/new', { identifier: 'not a url', name: 'Second', access_token_ttl: '', token_format: 'jwt' }, 400],
      ['new: bad lifetime', '/admin/resources/new', { identifier: 'https://second.example', name: 'Second', access_token_ttl: 'long', token_format: 'jwt' }, 400],
      ['new: taken identifier', '/admin/resources/new', { identifier: 'https://invoices.example.com', name: 'Invoices', access_token_ttl: '', token_format: 'jwt' }, 409],
      ['edit: no name', `/admin/resources/${ids.api}/edit`, { name: '', access_token_ttl: '', token_format: 'jwt' }, 400],
      ['edit: saved', `/admin/resources/${ids.api}/edit`, { name: 'Invoices', access_token_ttl: '', token_format: 'jwt' }, 200],
      ['permission: bad name', `/admin/resources/${ids.api}/add-permission`, { name: 'has spaces in it', description: '' }, 400],
      ['permission: taken', `/admin/resources/${ids.api}/add-permission`, { name: 'invoices:read', description: '' }, 409],
      ['permission: added', `/admin/resources/${ids.api}/add-permission`, { name: 'invoices:write', description: '' }, 200],
      ['permission edit: too long', `/admin/resources/${ids.api}/permissions/${ids.permission}/edit`, { description: 'x'.repeat(600) }, 400],
      ['permission edit: saved', `/admin/resources/${ids.api}/permissions/${ids.permission}/edit`, { description: 'Read invoices' }, 200],
    ],
    roles: [
      ['new: no name', '/admin/roles/new', { name: '', description: '' }, 400],
      ['new: created', '/admin/roles/new', { name: 'Second role', description: '' }, 200],
      ['new: taken', '/admin/roles/new', { name: 'Auditors', description: '' }, 409],
      ['edit: no name', `/admin/roles/${ids.role}/edit`, { name: '', description: '' }, 400],
      ['edit: saved', `/admin/roles/${ids.role}/edit`, { name: 'Auditors', description: 'Can read invoices' }, 200],
      ['permission: unknown', `/admin/roles/${ids.role}/add-permission`, { permission_id: 'nope' }, 400],
      ['permission: added', `/admin/roles/${ids.role}/add-permission`, { permission_id: ids.permission }, 200],
      ['permission: removed', `/admin/roles/${ids.role}/remove-permission`, { permission_id: ids.permission }, 200],
    ],
    groups: [
      ['new: no name', '/admin/groups/new', { name: '', description: '' }, 400],
      ['new: taken', '/admin/groups/new', { name: 'Finance', description: '' }, 409],
      ['new: created', '/admin/groups/new', { name: 'Second group', description: '' }, 200],
      ['edit: no name', `/admin/groups/${ids.group}/edit`, { name: '', description: '' }, 400],
      ['edit: saved', `/admin/groups/${ids.group}/edit`, { name: 'Finance', description: 'Money people' }, 200],
      ['member: unknown account', `/admin/groups/${ids.group}/add-member`, { account: 'ghost@example.com' }, 400],
      ['member: added', `/admin/groups/${ids.group}/add-member`, { account: 'pat@example.com' }, 200],
      ['member: removed', `/admin/groups/${ids.group}/remove-member`, { type: 'account', member_id: ids.account }, 200],
      ['group: itself', `/admin/groups/${ids.group}/add-group`, { group_id: ids.group }, 409],
      ['role: unknown', `/admin/groups/${ids.group}/add-role`, { role_id: 'nope' }, 400],
      ['role: added', `/admin/groups/${ids.group}/add-role`, { role_id: ids.role }, 200],
      ['role: removed', `/admin/groups/${ids.group}/remove-role`, { role_id: ids.role }, 200],
    ],
    'object grants': [
      ['new: nothing', '/admin/object-grants/new', { subject_type: 'account', account: '', permission: '', object: '' }, 400],
      ['new: unknown account', '/admin/object-grants/new', { subject_type: 'account', account: 'ghost@example.com', permission: ids.permission, object: 'invoice:42' }, 400],
      ['new: bad object', '/admin/object-grants/new', { subject_type: 'group', group: ids.group, permission: ids.permission, object: 'NOT AN OBJECT' }, 400],
      ['new: granted', '/admin/object-grants/new', { subject_type: 'account', account: 'pat@example.com', permission: ids.permission, object: 'invoice:42' }, 200],
      ['delete', `/admin/object-grants/${ids.grant}/delete`, {}, 200],
    ],
    connections: [
      ['new: bad slug and issuer', '/admin/connections/new', { preset: 'oidc', kind: 'oidc', slug: 'Not A Slug', display_name: '', issuer: 'nope', client_id: '', client_secret: '' }, 400],
      ['new: taken slug', '/admin/connections/new', { preset: 'oidc', kind: 'oidc', slug: 'corp', display_name: 'Corp SSO', issuer: 'https://sso.corp.example', client_id: 'broker', client_secret: 'a-client-secret-of-the-broker' }, 400],
      ['edit: bad issuer', `/admin/connections/${ids.connection}/edit`, { kind: 'oidc', display_name: 'Corp SSO', issuer: 'nope', client_id: 'broker', client_secret: '' }, 400],
      ['edit: saved', `/admin/connections/${ids.connection}/edit`, { kind: 'oidc', display_name: 'Corp SSO', issuer: 'https://sso.corp.example', client_id: 'broker', client_secret: '', enabled: 'yes' }, 200],
      ['new: created', '/admin/connections/new', { preset: '', kind: 'oidc', slug: 'partner', display_name: 'Partner SSO', issuer: 'https://sso.partner.example', client_id: 'broker', client_secret: 'another-client-secret-of-the-broker' }, 200],
    ],
    'attributes and scopes': [
      ['attribute new: bad name', '/admin/attributes/new', { name: 'Bad Name', type: 'string', label: '', editable_by: 'admin' }, 400],
      ['attribute new: taken', '/admin/attributes/new', { name: 'department', type: 'string', label: 'Department', editable_by: 'admin' }, 409],
      ['attribute edit: bad rule', '/admin/attributes/department/edit', { label: 'Department', options: '', editable_by: 'admin' }, 400],
      ['attribute new: created', '/admin/attributes/new', { name: 'cost_center', type: 'string', label: '', editable_by: 'admin' }, 200],
      ['attribute edit: saved', '/admin/attributes/department/edit', { label: 'Department', options: 'Sales', editable_by: 'admin' }, 200],
      ['attribute: deprecated', '/admin/attributes/department/deprecate', {}, 200],
      ['attribute: reactivated', '/admin/attributes/department/reactivate', {}, 200],
      ['scope new: bad name', '/admin/scopes/new', { name: 'Bad Name', description: '' }, 400],
      ['scope new: taken', '/admin/scopes/new', { name: 'hr', description: '', claims: 'department' }, 409],
      ['scope new: reserved', '/admin/scopes/new', { name: 'openid', description: '' }, 400],
      ['scope new: created', '/admin/scopes/new', { name: 'finance', description: '', claims: 'department' }, 200],
      ['scope edit: saved', '/admin/scopes/hr/edit', { description: 'Your HR details', claims: 'department' }, 200],
    ],
    webhooks: [
      ['new: bad url', '/admin/webhooks/new', { url: 'not a url', event_types: '', description: '' }, 400],
      ['new: bad event type', '/admin/webhooks/new', { url: 'https://hooks.example.com/in', event_types: 'no such type', description: '' }, 400],
      ['new: created with its secret', '/admin/webhooks/new', { url: 'https://hooks.example.com/in', event_types: 'login.*', description: '' }, 200],
      ['redeliver: unknown delivery', `/admin/webhooks/${ids.webhook}/redeliver`, { delivery: 'nope' }, 404],
    ],
    'keys and settings': [['keys rotated', '/admin/keys/rotate', {}, 200]],
    deletions: [
      ['group', `/admin/groups/${ids.group}/delete`, {}, 200],
      ['role', `/admin/roles/${ids.role}/delete`, {}, 200],
      ['permission', `/admin/resources/${ids.api}/permissions/${ids.permission}/remove`, {}, 200],
      ['API', `/admin/resources/${ids.api}/delete`, {}, 200],
      ['scope', '/admin/scopes/hr/remove', {}, 200],
      ['attribute deprecated', '/admin/attributes/department/deprecate', {}, 200],
      ['attribute', '/admin/attributes/department/remove', {}, 200],
      ['connection', `/admin/connections/${ids.connection}/delete`, {}, 200],
      ['webhook', `/admin/webhooks/${ids.webhook}/delete`, {}, 200],
      ['client', `/admin/clients/${ids.client}/delete`, {}, 200],
    ],
  });
  const SECTIONS = ['accounts', 'clients', 'APIs', 'roles', 'groups', 'object grants', 'connections', 'attributes and scopes', 'webhooks', 'keys and settings', 'deletions'];

  it.each(SECTIONS)('%s', async (section) => {
    for (const [what, path, form, status] of forms()[section]) {
      const page = await post(agent, path, form);
      const label = `${section}: ${what} (POST ${path})`;
      expect([label, page.status]).toEqual([label, status]);
      expectTranslated(label, page);
      if (status === 400) expect([label, page.body]).toEqual([label, expect.stringMatching(/class="field-error"|role="alert"/)]);
      if (status === 200) expect([label, page.url]).toEqual([label, expect.stringContaining('?done=')]);
    }
  });

  it('shows the new client secret and the webhook secret once, in the pseudo-locale', async () => {
    const client = await post(agent, '/admin/clients/new', { name: 'Second app', type: 'web', redirect_uris: 'https://second.example/cb', default_max_age: '' });
    expect(client.body).toContain('⟦Client secret⟧');
    expectTranslated('client secret', client);
    const webhook = await post(agent, '/admin/webhooks/new', { url: 'https://hooks.example.com/other', event_types: 'login.*', description: '' });
    expect(webhook.body).toContain('⟦Signing secret⟧');
    expectTranslated('webhook secret', webhook);
  });

  it('refuses a change to an operator holding admin:read only (403)', async () => {
    const page = await post(reader, '/admin/groups/new', { name: 'Not allowed', description: '' });
    expect(page.status).toBe(403);
    expectTranslated('403', page);
  });

  it('says why a console sign-in failed: a link no longer valid, a cancelled sign-in', async () => {
    const stale = await new UserAgent().request(`${server.issuer}/admin/callback?code=x&state=y`);
    expect(stale.status).toBe(400);
    expectTranslated('stale callback', stale);
    const authorization = server.container.providers.current().urlFor('authorization');
    const stopped = new UserAgent(authorization);
    const state = new URL((await stopped.request(`${server.issuer}/admin`)).url).searchParams.get('state')!;
    const cancelled = await stopped.request(`${server.issuer}/admin/callback?${new URLSearchParams({ error: 'access_denied', state, iss: server.issuer })}`);
    expect(cancelled.status).toBe(400);
    expect(cancelled.body).toContain('⟦Sign-in was cancelled⟧');
    expectTranslated('cancelled sign-in', cancelled);
  });

  it('refuses a form without its CSRF token, or too large, with a translated page', async () => {
    const forged = await agent.request(`${server.issuer}/admin/groups/new`, { form: { name: 'Forged', description: '' } });
    expect(forged.status).toBe(403);
    expectTranslated('no CSRF token', forged);
    const huge = await post(agent, '/admin/groups/new', { name: 'Huge', description: 'x'.repeat(2_000_000) });
    expect(huge.status).toBe(413);
    expectTranslated('too large', huge);
  });

  it('answers an unknown id with the console’s 404 page', async () => {
    for (const path of [`/admin/accounts/00000000-0000-4000-8000-000000000000`, '/admin/groups/nope', '/admin/clients/nope', '/admin/webhooks/00000000-0000-4000-8000-000000000000', '/admin/attributes/nope']) {
      const page = await agent.request(`${server.issuer}${path}`);
      expect([path, page.status]).toEqual([path, 404]);
      expectTranslated(path, page);
    }
  });

  it('answers an unknown console path with the same 404 page, signed in or not; the admin API keeps problem+json', async () => {
    for (const [who, path] of [[agent, '/admin/no-such-page'], [agent, '/admin/accounts/x/y/z'], [new UserAgent(), '/admin/no-such-page'], [new UserAgent(), '/admin/groups/x/y'], [agent, `/admin/groups/${ids.group}/add-member`]] as const) {
      const page = await who.request(`${server.issuer}${path}`);
      expect([path, page.status, page.headers.get('content-type')]).toEqual([path, 404, expect.stringContaining('text/html')]);
      expectTranslated(path, page);
    }
    const api = await fetch(`${server.issuer}/admin/api/v1/no-such-thing`, { headers: { accept: 'text/html' } });
    expect([api.status, api.headers.get('content-type')]).toEqual([404, expect.stringContaining('application/problem+json')]);
  });
});

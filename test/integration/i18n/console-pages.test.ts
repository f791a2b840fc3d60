import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SECTIONS as CONSOLE_SECTIONS } from '../../../src/console/page-kit.js';
import { createOperator, signInToConsole } from '../../support/console.js';
import { ManualClock } from '../../support/manual-clock.js';
import { PSEUDO_LOCALE, textOutsideCatalog, writePseudoLocaleFolder } from '../../support/pseudo-locale.js';
import { TEST_ACTOR } from '../../support/rbac.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import type { UserAgent } from '../../support/user-agent.js';

/**
 * Every page of the operator console, served in a pseudo-locale whose every message is wrapped in ⟦…⟧
 * (DEFAULT_LOCALE=en-XA from LOCALES_DIR), with one of each thing the console manages: text typed into
 * a template or a page module instead of taken from the catalogs shows up outside the markers. Data
 * (names, addresses, ids, URLs) is marked translate="no" or sits in <code>/<time>, or is one of the
 * values seeded below.
 */
describe('every console page takes all its text from the catalogs', () => {
  const clock = new ManualClock(Date.now());
  const folder = writePseudoLocaleFolder();
  let server: TestServer;
  let agent: UserAgent;
  const ids: Record<string, string> = {};
  const DATA = [
    'Acme', 'ops@example.com', 'pat@example.com', 'Pat Doe', 'Billing app', 'Batch job', 'Invoices', 'https://invoices.example.com', 'invoices:read', 'Read invoices',
    'Auditors', 'Can read invoices', 'Finance', 'Money people', 'invoice:42', 'Corp SSO', 'corp', 'https://sso.corp.example', 'department', 'Department', 'Sales',
    'hr', 'Your HR details', 'Client feed',
  ];

  beforeAll(async () => {
    server = await startTestServer({ clock, env: { LOCALES_DIR: folder, DEFAULT_LOCALE: PSEUDO_LOCALE, PRODUCT_NAME: 'Acme' } });
    const { container } = server;
    const operator = await createOperator(server, clock, 'ops@example.com', ['admin:read', 'admin:write']);
    const pat = await container.accounts.createAccount({ email: 'pat@example.com', name: 'Pat Doe', password: 'pat has a long password', emailVerified: true });
    ids.account = pat.id;
    ids.client = (await container.clients.createClient({ name: 'Billing app', type: 'web', redirectUris: ['https://billing.example/cb'], postLogoutRedirectUris: [] })).client.client_id;
    ids.machine = (await container.clients.createClient({ name: 'Batch job', type: 'machine', redirectUris: [], postLogoutRedirectUris: [] })).client.client_id;
    const api = await container.resources.createResource({ identifier: 'https://invoices.example.com', name: 'Invoices', permissions: [{ name: 'invoices:read', description: 'Read invoices' }] }, TEST_ACTOR);
    ids.api = api.id;
    const permission = (await container.resources.findPermission('https://invoices.example.com', 'invoices:read'))!;
    ids.permission = permission.id;
    const role = await container.roles.createRole({ name: 'Auditors', description: 'Can read invoices' }, TEST_ACTOR);
    ids.role = role.id;
    await container.roles.addPermissions(role.id, [permission.id], TEST_ACTOR);
    await container.roles.assign(role.id, { type: 'account', id: pat.id }, TEST_ACTOR);
    const group = await container.groups.createGroup({ name: 'Finance', description: 'Money people' }, TEST_ACTOR);
    ids.group = group.id;
    await container.groups.addMember(group.id, { type: 'account', id: pat.id }, TEST_ACTOR);
    ids.grant = (await container.objectGrants.createObjectGrant({ subject: { type: 'group', id: group.id }, permissionId: permission.id, object: 'invoice:42' }, TEST_ACTOR)).id;
    ids.connection = (await container.connections.createConnection({ slug: 'corp', display_name: 'Corp SSO', issuer: 'https://sso.corp.example', client_id: 'broker', client_secret: 'a-client-secret-of-the-broker' }, TEST_ACTOR)).id;
    await container.attributes.defineAttribute({ name: 'department', type: 'enum', label: 'Department', rule: { options: ['Sales'] } }, TEST_ACTOR);
    await container.attributes.defineScope({ name: 'hr', description: 'Your HR details', claims: ['department'] }, TEST_ACTOR);
    ids.webhook = (await container.webhooks.createWebhook({ url: 'http://127.0.0.1:9/hook', eventTypes: ['login.*'], description: 'Client feed' })).webhook.id;
    await container.audit.record({ type: 'login.failed', outcome: 'failure', actor: { type: 'account', id: pat.id }, accountId: pat.id });
    ({ agent } = await signInToConsole(server, operator, clock));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  /** The console's pages, by section, with the seeded things' ids filled in. */
  const pages = (): Array<[string, string[]]> => [
    ['overview and events', ['/admin', '/admin/events', '/admin/events?type=login.failed', '/admin/events?from=yesterday', '/admin/events/verify']],
    ['accounts', ['/admin/accounts', '/admin/accounts?q=nobody', '/admin/accounts?q=attr:nothing', '/admin/accounts?locked=1', '/admin/accounts/new', `/admin/accounts/${ids.account}`, `/admin/accounts/${ids.account}/access`, `/admin/accounts/${ids.account}/attributes`, `/admin/accounts/${ids.account}/disable`, `/admin/accounts/${ids.account}/end-sessions`, `/admin/accounts/${ids.account}/reset-mfa`]],
    ['clients', ['/admin/clients', '/admin/clients/new', `/admin/clients/${ids.client}`, `/admin/clients/${ids.machine}`, `/admin/clients/${ids.client}/rotate-secret`, `/admin/clients/${ids.client}/delete`]],
    ['APIs', ['/admin/resources', '/admin/resources/new', `/admin/resources/${ids.api}`, `/admin/resources/${ids.api}/permissions/${ids.permission}`, `/admin/resources/${ids.api}/delete`, `/admin/resources/${ids.api}/permissions/${ids.permission}/remove`]],
    ['roles', ['/admin/roles', '/admin/roles/new', `/admin/roles/${ids.role}`, `/admin/roles/${ids.role}/delete`]],
    ['groups', ['/admin/groups', '/admin/groups/new', `/admin/groups/${ids.group}`, `/admin/groups/${ids.group}/delete`]],
    ['object grants', ['/admin/object-grants', '/admin/object-grants?object=nothing', '/admin/object-grants?object=NOPE', '/admin/object-grants?account=ghost%40example.com', '/admin/object-grants/new', `/admin/object-grants/${ids.grant}`, `/admin/object-grants/${ids.grant}/delete`]],
    ['connections', ['/admin/connections', '/admin/connections/new', `/admin/connections/${ids.connection}`, `/admin/connections/${ids.connection}/delete`]],
    ['attributes and scopes', ['/admin/attributes', '/admin/attributes/new', '/admin/attributes/department', '/admin/attributes/department/remove', '/admin/scopes', '/admin/scopes/new', '/admin/scopes/hr', '/admin/scopes/hr/remove']],
    ['webhooks', ['/admin/webhooks', '/admin/webhooks/new', `/admin/webhooks/${ids.webhook}`, `/admin/webhooks/${ids.webhook}/delete`]],
    ['keys and settings', ['/admin/keys', '/admin/keys/rotate', '/admin/settings']],
  ];
  const SECTIONS = ['overview and events', 'accounts', 'clients', 'APIs', 'roles', 'groups', 'object grants', 'connections', 'attributes and scopes', 'webhooks', 'keys and settings'];

  it.each(SECTIONS)('%s', async (section) => {
    const paths = pages().find(([name]) => name === section)![1];
    for (const path of paths) {
      const page = await agent.request(`${server.issuer}${path}`);
      expect([path, page.status < 500, page.body]).toEqual([path, true, expect.stringContaining(`<html lang="${PSEUDO_LOCALE}" dir="ltr">`)]);
      // Counts and hours are data too (formatted for the language by it.number).
      expect([path, textOutsideCatalog(page.body, DATA).replace(/\b\d+\b/g, '').replace(/\s+/g, ' ').trim()]).toEqual([path, '']);
    }
  });

  it('visits every section of the navigation (a new section needs its pages here)', () => {
    const visited = pages().flatMap(([, paths]) => paths);
    expect(CONSOLE_SECTIONS.map((section) => section.href).filter((href) => !visited.includes(href))).toEqual([]);
  });
});

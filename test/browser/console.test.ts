import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { wcagViolations } from '../support/axe.js';
import { collectConsoleProblems, describeInBrowser, launchChromium, saveScreenshot } from '../support/browser.js';
import { createOperator, type Operator } from '../support/console.js';
import { ManualClock } from '../support/manual-clock.js';
import { currentCode } from '../support/mfa.js';
import { TEST_ACTOR } from '../support/rbac.js';
import { startTestServer, type TestServer } from '../support/server.js';

const RECENT = 300;

/** Sideways scrolling, and if there is any, the elements sticking out (tag.class), so a failure says where. */
async function widerThanScreen(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const root = document.documentElement;
    if (root.scrollWidth <= root.clientWidth) return [];
    const out = [...document.body.querySelectorAll('*')].filter((element) => {
      const box = element.getBoundingClientRect();
      return box.width > 0 && (box.right > root.clientWidth + 1 || box.left < -1);
    });
    return ['sideways scrolling', ...out.slice(0, 8).map((element) => `${element.tagName.toLowerCase()}.${[...element.classList].join('.')}#${element.id}`)];
  });
}
/**
 * The other shipped languages, each visited on the console's pages (axe, no sideways scrolling, lang
 * and dir); only in the embedded run (DATABASE_URL unset), as for the hosted pages: the words do not
 * depend on the storage, and CI time does.
 */
const OTHER_LANGUAGES = process.env.DATABASE_URL ? [] : readdirSync(new URL('../../locales/', import.meta.url)).filter((name) => name.endsWith('.json') && name !== 'en.json').map((name) => name.replace(/\.json$/, ''));
const VIEWPORTS = [
  { name: 'desktop', viewport: { width: 1280, height: 800 } },
  { name: 'mobile', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
] as const;

/**
 * Issue 16 in Chromium: an operator signs in to /admin (password, second factor, consent), finds an
 * account and disables it, is asked to sign in again when the sign-in is too old, and every console
 * page passes axe-core's WCAG 2.2 A/AA rules at 1280 and 390 px, with nothing inline and no sideways
 * scrolling. Screenshots go to test-artifacts/browser/console-*.png. The access-control sections'
 * main path (an API and a permission, a role holding it, a group with a member and the role) runs by
 * keyboard where it counts.
 */
describeInBrowser('the admin console in Chromium', () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let browser: Browser;
  let operator: Operator;
  let patId: string;

  beforeAll(async () => {
    server = await startTestServer({ clock, env: { CONSOLE_RECENT_SIGN_IN_SECONDS: String(RECENT) } });
    operator = await createOperator(server, clock, 'ops@example.com', ['admin:read', 'admin:write']);
    patId = (await server.container.accounts.createAccount({ email: 'pat@example.com', name: 'Pat Doe', password: 'pat has a long password', emailVerified: true })).id;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** The hosted login, second factor and consent, in the browser, from wherever the console sent it. */
  async function completeSignIn(page: Page) {
    await page.locator('#email').fill(operator.email);
    await page.locator('#password').fill(operator.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    clock.advance(30);
    await page.locator('#code').fill(await currentCode(operator.totp!, clock));
    await page.getByRole('button', { name: 'Verify' }).click();
    const allow = page.getByRole('button', { name: 'Allow' });
    if (await allow.count()) await allow.click();
  }

  /** What every console page must get right. */
  async function checkPage(page: Page, shot: string) {
    expect(await page.locator('script, style, [style]').count()).toBe(0);
    expect({ shot, wider: await widerThanScreen(page) }).toEqual({ shot, wider: [] });
    expect(await page.locator('.console-bar').evaluate((bar) => getComputedStyle(bar).borderBottomStyle)).toBe('solid');
    expect(await wcagViolations(page)).toEqual([]);
    await saveScreenshot(page, shot);
  }

  for (const { name, ...options } of VIEWPORTS) {
    it(`signs in, finds an account and disables it (${name})`, async () => {
      await server.container.accounts.updateAccount(patId, { status: 'active' });
      const context: BrowserContext = await browser.newContext(options);
      const page = await context.newPage();
      const problems = collectConsoleProblems(page);
      await page.goto(`${server.issuer}/admin`);
      await completeSignIn(page);
      await page.waitForURL(`${server.issuer}/admin`);
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Overview');
      await checkPage(page, `console-overview-${name}`);

      // Keyboard: the first Tab reaches "Skip to content", which moves focus to the page.
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');

      await page.getByRole('link', { name: 'Accounts' }).first().click();
      await checkPage(page, `console-accounts-${name}`);
      await page.locator('#q').fill('nobody-here@example.com');
      await page.getByRole('button', { name: 'Search' }).click();
      await expect(page.locator('.empty').textContent()).resolves.toContain('No account matches');
      await checkPage(page, `console-accounts-empty-${name}`);
      await page.locator('#q').fill('pat@example.com');
      await page.keyboard.press('Enter');
      await page.getByRole('link', { name: 'pat@example.com' }).click();
      await checkPage(page, `console-account-${name}`);
      await page.getByRole('link', { name: 'Disable account…' }).click();
      await checkPage(page, `console-confirm-${name}`);
      await page.getByRole('button', { name: 'Disable account' }).click();
      await expect(page.locator('.notice').textContent()).resolves.toContain('The account is disabled');
      await page.getByRole('link', { name: 'Events' }).first().click();
      await expect(page.locator('code', { hasText: 'account.disabled' }).first().textContent()).resolves.toBe('account.disabled');
      await checkPage(page, `console-events-${name}`);
      await page.getByRole('link', { name: 'Verify the chain' }).click();
      await expect(page.locator('.notice').textContent()).resolves.toContain('The event chain verifies');
      await checkPage(page, `console-events-verify-${name}`);
      expect((await server.container.accounts.findById(patId))!.status).toBe('disabled');
      expect(problems).toEqual([]);
      await context.close();
    });
  }

  it('assigns a role picked from the existing ones, and the other account pages pass the checks', async () => {
    await server.container.roles.createRole({ name: 'billing-viewer', description: 'Reads invoices' }, { type: 'system', id: 'test' });
    await server.container.groups.createGroup({ name: 'finance' }, { type: 'system', id: 'test' });
    await server.container.attributes.defineAttribute({ name: 'cost_center', type: 'string', description: 'Where the costs go' }, { type: 'system', id: 'test' });
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const problems = collectConsoleProblems(page);
    await page.goto(`${server.issuer}/admin/accounts/${patId}`);
    await completeSignIn(page);
    await page.waitForURL(`${server.issuer}/admin/accounts/${patId}`);
    await page.getByRole('link', { name: 'Roles and groups' }).click();
    await checkPage(page, 'console-account-access');
    await page.getByLabel('Give a role').selectOption({ label: 'billing-viewer – Reads invoices' });
    await page.getByRole('button', { name: 'Assign role' }).click();
    await expect(page.locator('.notice').textContent()).resolves.toContain('The role is given');
    await checkPage(page, 'console-account-access-assigned');
    const role = await server.container.roles.findRoleByName('billing-viewer');
    expect((await server.container.roles.listAssignmentsPage({ type: 'account', id: patId }, { limit: 10 })).items.map((item) => item.role_id)).toEqual([role!.id]);

    await page.getByRole('link', { name: 'Attributes', exact: true }).click();
    await checkPage(page, 'console-account-attributes');
    await page.getByLabel('cost_center').fill('Finance');
    await page.getByRole('button', { name: 'Save attributes' }).click();
    await expect(page.locator('.notice').textContent()).resolves.toContain('The attributes are saved');
    await page.getByRole('link', { name: 'Summary' }).click();
    await page.getByRole('link', { name: 'Remove authenticator app and recovery codes…' }).click();
    await checkPage(page, 'console-account-reset-mfa');
    await page.goto(`${server.issuer}/admin/accounts/new`);
    await checkPage(page, 'console-account-new');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('registers a client, shows its secret once, and puts a refused value next to its field', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const problems = collectConsoleProblems(page);
    await page.goto(`${server.issuer}/admin/clients`);
    await completeSignIn(page);
    await page.waitForURL(`${server.issuer}/admin/clients`);
    await checkPage(page, 'console-clients');
    await page.getByRole('link', { name: 'Register a client' }).click();
    await checkPage(page, 'console-client-new');
    await page.getByLabel('Name', { exact: true }).fill('Shop');
    await page.getByLabel('Redirect URIs', { exact: true }).fill('not a url');
    await page.getByRole('button', { name: 'Register client' }).click();
    await page.locator('#redirect_uris-error').waitFor();
    await checkPage(page, 'console-client-new-error');
    await page.getByLabel('Redirect URIs', { exact: true }).fill('https://shop.example.com/callback');
    await page.getByRole('button', { name: 'Register client' }).click();
    await expect(page.locator('.notice').textContent()).resolves.toContain('The client is registered');
    expect(await page.locator('.secret-value').textContent()).toMatch(/\S{20,}/);
    await checkPage(page, 'console-client');
    await page.reload();
    expect(await page.locator('.secret-value').count()).toBe(0);
    // The 400 of the refused form is the only failed response.
    expect(problems.filter((problem) => !(problem.includes('400') && problem.includes('/admin/clients/new')))).toEqual([]);
    await context.close();
  });

  it('asks for the password and second factor again before a change when the sign-in is old', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.issuer}/admin/accounts/${patId}`);
    await completeSignIn(page);
    await page.waitForURL(`${server.issuer}/admin/accounts/${patId}`);
    clock.advance(RECENT + 60);
    await page.getByRole('button', { name: 'Enable account' }).click();
    // Back on the login page: nothing changed yet.
    await page.locator('#password').waitFor();
    expect((await server.container.accounts.findById(patId))!.status).toBe('disabled');
    await completeSignIn(page);
    await page.waitForURL(`${server.issuer}/admin/accounts/${patId}`);
    await page.getByRole('button', { name: 'Enable account' }).click();
    await expect(page.locator('.notice').textContent()).resolves.toContain('The account is enabled');
    expect((await server.container.accounts.findById(patId))!.status).toBe('active');
    await context.close();
  });

  it('declares an API and a permission, puts it in a role, makes a group with a member and the role, by keyboard where it counts', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const problems = collectConsoleProblems(page);
    await page.goto(`${server.issuer}/admin/resources`);
    await completeSignIn(page);
    await page.waitForURL(`${server.issuer}/admin/resources`);

    // An API and its permission.
    await page.getByRole('link', { name: 'Register an API' }).click();
    await page.getByLabel('Identifier').fill('https://shop-api.example.com');
    await page.getByLabel('Name', { exact: true }).fill('Shop API');
    await page.getByRole('button', { name: 'Register API' }).click();
    await expect(page.locator('.notice').textContent()).resolves.toContain('The API is registered');
    await page.locator('#permission-name').fill('orders:read');
    await page.locator('#permission-description').fill('See orders');
    await page.keyboard.press('Enter');
    await page.waitForURL(/done=permission-added/);
    await expect(page.locator('.notice').textContent()).resolves.toContain('The permission is added');

    // A role holding it: the permission picked and added with the keyboard only.
    await page.getByRole('link', { name: 'Roles' }).first().click();
    await page.getByRole('link', { name: 'Create a role' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Shop staff');
    await page.getByRole('button', { name: 'Create role' }).click();
    await expect(page.locator('.notice').textContent()).resolves.toContain('The role is created');
    const picker = page.locator('#permission_id');
    const wanted = await picker.locator('option', { hasText: 'orders:read' }).getAttribute('value');
    await picker.focus();
    while ((await picker.inputValue()) !== wanted) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Add permission');
    await page.keyboard.press('Enter');
    await page.waitForURL(/done=role-permission-added/);
    await expect(page.locator('.notice').textContent()).resolves.toContain('The permission is added to the role');
    expect(await page.locator('.items code', { hasText: 'orders:read' }).count()).toBe(1);

    // A group with a member (typed, then Enter) and the role; an unknown account is a message, not a 500.
    await page.getByRole('link', { name: 'Groups' }).first().click();
    await page.getByRole('link', { name: 'Create a group' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Shop floor');
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.waitForURL(/done=group-created/);
    await page.locator('#account').fill('nobody@example.com');
    await page.keyboard.press('Enter');
    await page.locator('#account-error').waitFor();
    await expect(page.locator('#account-error').textContent()).resolves.toContain('There is no account with this email address');
    await checkPage(page, 'console-group-error');
    await page.locator('#account').fill('pat@example.com');
    await page.keyboard.press('Enter');
    await page.waitForURL(/done=member-added/);
    await expect(page.locator('.notice').textContent()).resolves.toContain('The member is added');
    await page.locator('#role_id').selectOption({ label: 'Shop staff' });
    await page.getByRole('button', { name: 'Give role' }).click();
    await page.waitForURL(/done=group-role-added/);
    await expect(page.locator('.notice').textContent()).resolves.toContain('gives this role to its members');

    const role = (await server.container.roles.findRoleByName('Shop staff'))!;
    const group = (await server.container.groups.findGroupByName('Shop floor'))!;
    expect((await server.container.roles.getRole(role.id)).permissions.map((permission) => permission.name)).toEqual(['orders:read']);
    expect((await server.container.groups.listMembersPage(group.id, { limit: 10 })).items.map((member) => member.name)).toEqual(['pat@example.com']);
    expect((await server.container.roles.listHolders(role.id)).map((holder) => holder.subject_id)).toEqual([group.id]);
    // Pat now holds the permission, through the group's role.
    const events = await server.container.events.list({ types: ['group.member_added', 'role.assigned', 'role.permission_added'] }, { limit: 3, order: 'desc' });
    expect(events.items.map((event) => [event.type, event.actor_id])).toEqual([['role.assigned', operator.id], ['group.member_added', operator.id], ['role.permission_added', operator.id]]);
    expect(problems.filter((problem) => !(problem.includes('400') && problem.includes('/add-member')))).toEqual([]);
    await context.close();
  });

  for (const { name, ...options } of VIEWPORTS) {
    it(`shows the APIs, roles, groups and object grants pages, each passing the accessibility check (${name})`, async () => {
      const resource = (await server.container.resources.findResourceByIdentifier('https://shop-api.example.com'))!;
      const permission = (await server.container.resources.findPermission('https://shop-api.example.com', 'orders:read'))!;
      const role = (await server.container.roles.findRoleByName('Shop staff'))!;
      const group = (await server.container.groups.findGroupByName('Shop floor'))!;
      const nested = (await server.container.groups.findGroupByName('Shop leads')) ?? (await server.container.groups.createGroup({ name: 'Shop leads' }, { type: 'system', id: 'test' }));
      await server.container.groups.addMember(group.id, { type: 'group', id: nested.id }, { type: 'system', id: 'test' });
      const context = await browser.newContext(options);
      const page = await context.newPage();
      const problems = collectConsoleProblems(page);
      await page.goto(`${server.issuer}/admin/object-grants`);
      await completeSignIn(page);
      await page.waitForURL(`${server.issuer}/admin/object-grants`);
      await checkPage(page, `console-object-grants-empty-${name}`);
      await page.getByRole('link', { name: 'Grant a permission on an object' }).click();
      await checkPage(page, `console-object-grant-new-${name}`);
      await page.getByLabel('A group (every member)').check();
      await page.locator('#group').selectOption({ label: 'Shop floor' });
      await page.locator('#permission').selectOption({ label: 'orders:read — See orders' });
      await page.getByLabel('Object', { exact: true }).fill(`order:${name}`);
      await page.getByRole('button', { name: 'Grant' }).click();
      await page.waitForURL(/done=grant-created/);
      await expect(page.locator('.notice').textContent()).resolves.toContain('The permission is granted');
      await checkPage(page, `console-object-grant-${name}`);
      await page.getByRole('link', { name: 'Revoke grant…' }).click();
      await checkPage(page, `console-object-grant-revoke-${name}`);
      await page.getByRole('link', { name: 'Cancel' }).click();
      await page.getByRole('link', { name: 'Object grants' }).first().click();
      await checkPage(page, `console-object-grants-${name}`);

      for (const [path, shot] of [
        ['/admin/resources', 'apis'], ['/admin/resources/new', 'api-new'], [`/admin/resources/${resource.id}`, 'api'],
        [`/admin/resources/${resource.id}/permissions/${permission.id}`, 'api-permission'],
        ['/admin/roles', 'roles'], ['/admin/roles/new', 'role-new'], [`/admin/roles/${role.id}`, 'role'], [`/admin/roles/${role.id}/delete`, 'role-delete'],
        ['/admin/groups', 'groups'], ['/admin/groups/new', 'group-new'], [`/admin/groups/${group.id}`, 'group'],
      ]) {
        await page.goto(`${server.issuer}${path}`);
        await checkPage(page, `console-${shot}-${name}`);
      }
      expect(problems).toEqual([]);
      await context.close();
    });
  }

  it('shows a person without admin:read a 403 page that passes the accessibility check', async () => {
    const outsider = await createOperator(server, clock, 'outsider@example.com', []);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.issuer}/admin`);
    const saved = operator;
    operator = outsider;
    try {
      await completeSignIn(page);
    } finally {
      operator = saved;
    }
    await page.getByRole('heading', { name: 'Not allowed' }).waitFor();
    await checkPage(page, 'console-refused');
    await context.close();
  });

  it('rotates the signing keys, and the connections, attributes, webhooks, keys and settings pages pass the checks at 1280 and 390 px', async () => {
    // Something on every page: a connection, an attribute released by a scope, and a webhook that the rotation gives a delivery.
    const connection = await server.container.connections.createConnection({ slug: 'acme', display_name: 'Acme SSO', issuer: 'https://login.acme.example', client_id: 'our-id', client_secret: 'upstream secret' }, TEST_ACTOR);
    await server.container.attributes.defineAttribute({ name: 'department', type: 'string', label: 'Department' }, TEST_ACTOR);
    await server.container.attributes.defineScope({ name: 'hr', description: 'Your HR details', claims: ['department'] }, TEST_ACTOR);
    const { webhook } = await server.container.webhooks.createWebhook({ url: 'http://127.0.0.1:9/hook', eventTypes: ['keys.*'], description: 'Key changes' });
    for (const { name, ...options } of VIEWPORTS) {
      const context = await browser.newContext(options);
      const page = await context.newPage();
      const problems = collectConsoleProblems(page);
      await page.goto(`${server.issuer}/admin/keys`);
      await completeSignIn(page);
      await page.waitForURL(`${server.issuer}/admin/keys`);
      const before = (await server.container.keys.listSigningKeys()).filter((key) => key.status === 'active').map((key) => key.kid);
      await checkPage(page, `console-keys-${name}`);
      await page.getByRole('link', { name: 'Rotate keys…' }).click();
      await checkPage(page, `console-keys-rotate-${name}`);
      await page.getByRole('button', { name: 'Rotate keys' }).click();
      await expect(page.locator('.notice').textContent()).resolves.toContain('New signing keys are active');
      for (const kid of before) await expect(page.locator('tr', { hasText: kid }).locator('.tag').textContent()).resolves.toBe('retired');
      await checkPage(page, `console-keys-rotated-${name}`);

      for (const [path, shot] of [
        ['/admin/connections', 'connections'], ['/admin/connections/new', 'connection-new'], [`/admin/connections/${connection.id}`, 'connection'],
        ['/admin/attributes', 'attributes'], ['/admin/attributes/new', 'attribute-new'], ['/admin/attributes/department', 'attribute'],
        ['/admin/scopes', 'scopes'], ['/admin/scopes/new', 'scope-new'], ['/admin/scopes/hr', 'scope'],
        ['/admin/webhooks', 'webhooks'], ['/admin/webhooks/new', 'webhook-new'], [`/admin/webhooks/${webhook.id}`, 'webhook'],
        ['/admin/settings', 'settings'], [`/admin/events?actor=${operator.id}&ip=127.0.0.1`, 'events-filtered'],
      ] as const) {
        await page.goto(`${server.issuer}${path}`);
        await page.getByRole('heading', { level: 1 }).waitFor();
        await checkPage(page, `console-${shot}-${name}`);
      }
      // A refused webhook address, next to its field.
      await page.goto(`${server.issuer}/admin/webhooks/new`);
      await page.getByLabel('Address').fill('http://10.0.0.1/hook');
      await page.getByLabel('Events').fill('login.*');
      await page.getByRole('button', { name: 'Add webhook' }).click();
      await page.locator('#url-error').waitFor();
      await checkPage(page, `console-webhook-new-error-${name}`);
      expect(problems.filter((problem) => !(problem.includes('400') && problem.includes('/admin/webhooks/new')))).toEqual([]);
      await context.close();
    }
    const rotations = await server.container.events.list({ types: ['keys.rotated'] }, { limit: 10, order: 'desc' });
    expect(rotations.items.map((event) => event.actor_id)).toEqual([operator.id, operator.id]);
  });

  for (const language of OTHER_LANGUAGES) it(`passes the accessibility check on the console pages in ${language}, with nothing wider than the screen`, async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const problems = collectConsoleProblems(page);
    await page.goto(`${server.issuer}/admin`);
    await completeSignIn(page);
    await page.waitForURL(`${server.issuer}/admin`);
    await context.addCookies([{ name: 'idp.locale', value: language, url: server.issuer }]);
    const paths = [
      '/admin', '/admin/accounts', `/admin/accounts/${patId}`, `/admin/accounts/${patId}/access`, '/admin/accounts/new', '/admin/events',
      '/admin/clients', '/admin/clients/new', '/admin/resources', '/admin/resources/new', '/admin/roles', '/admin/roles/new', '/admin/groups', '/admin/groups/new',
      '/admin/object-grants', '/admin/object-grants/new', '/admin/connections', '/admin/connections/new', '/admin/attributes', '/admin/attributes/new', '/admin/scopes/new',
      '/admin/webhooks', '/admin/webhooks/new', '/admin/keys', '/admin/settings',
    ];
    for (const path of paths) {
      await page.goto(`${server.issuer}${path}`);
      const html = page.locator('html');
      expect([path, await html.getAttribute('lang'), await html.getAttribute('dir')]).toEqual([path, language, language === 'ar' ? 'rtl' : 'ltr']);
      expect({ path, wider: await widerThanScreen(page) }).toEqual({ path, wider: [] });
      expect([path, await wcagViolations(page)]).toEqual([path, []]);
    }
    await saveScreenshot(page, `console-settings-${language}`);
    expect(problems).toEqual([]);
    await context.close();
  });
});

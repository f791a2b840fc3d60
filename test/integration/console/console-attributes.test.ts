import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openConsole, type ConsoleSession, type Operator } from '../../support/console.js';
import type { TestServer } from '../../support/server.js';
import type { Page, UserAgent } from '../../support/user-agent.js';

/** Issue 16, attributes and scopes: the profile schema and custom scopes through the admin API. */
describe('admin console: attributes and scopes', () => {
  let server: TestServer;
  let writer: Operator;
  let agent: UserAgent;
  let page: Page;
  let post: ConsoleSession['post'];

  beforeAll(async () => {
    ({ server, writer, agent, page, post } = await openConsole('/admin/attributes'));
  });
  afterAll(() => server.close());

  const attributes = async () => (await server.container.attributes.listAttributesPage({ limit: 50 })).items;

  it('says what to do when there is no attribute or scope yet', async () => {
    expect(page.body).toContain('No attributes');
    expect((await agent.request(`${server.issuer}/admin/scopes`)).body).toContain('No custom scopes');
  });

  it('puts refusals next to their field and defines nothing', async () => {
    const badName = await post('/admin/attributes/new', { name: 'Department!', type: 'string' });
    expect(badName.status).toBe(400);
    expect(badName.body).toContain('id="name-error"');
    const badRule = await post('/admin/attributes/new', { name: 'code', type: 'string', pattern: '(' });
    expect(badRule.status).toBe(400);
    expect(badRule.body).toContain('id="rule-error"');
    expect(badRule.body).toContain('value="("');
    const badType = await post('/admin/attributes/new', { name: 'size', type: 'decimal' });
    expect(badType.status).toBe(400);
    expect(badType.body).toContain('id="type-error"');
    expect(await attributes()).toEqual([]);
  });

  it('defines an attribute, edits it, deprecates it, and removes it after a confirmation page', async () => {
    const created = await post('/admin/attributes/new', { name: 'department', type: 'enum', label: 'Department', editable_by: 'user', options: 'Sales\nEngineering', show_at_signup: 'yes' });
    expect(created.url).toBe(`${server.issuer}/admin/attributes/department?done=attribute-created`);
    expect(await server.container.attributes.requireAttribute('department')).toMatchObject({ type: 'enum', editable_by: 'user', show_at_signup: true, rule: { options: ['Sales', 'Engineering'] } });
    const duplicate = await post('/admin/attributes/new', { name: 'department', type: 'string' });
    expect(duplicate.status).toBe(409);

    const saved = await post('/admin/attributes/department/edit', { label: 'Team', editable_by: 'admin', options: 'Sales\nEngineering\nSupport', required: 'yes' });
    expect(saved.url).toContain('?done=attribute-saved');
    expect(await server.container.attributes.requireAttribute('department')).toMatchObject({ label: 'Team', required: true, editable_by: 'admin', rule: { options: ['Sales', 'Engineering', 'Support'] } });
    const refused = await post('/admin/attributes/department/edit', { label: 'Team', pattern: 'x' });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('id="rule-error"');

    // Removing an active attribute is the admin API's 409, shown as a page.
    expect((await post('/admin/attributes/department/remove', {})).status).toBe(409);
    expect((await post('/admin/attributes/department/deprecate', {})).url).toContain('?done=attribute-deprecated');
    expect((await agent.request(`${server.issuer}/admin/attributes/department/remove`)).body).toContain('Remove this attribute?');
    const removed = await post('/admin/attributes/department/remove', {});
    expect(removed.url).toBe(`${server.issuer}/admin/attributes?done=attribute-removed`);
    expect(await attributes()).toEqual([]);
    const events = await server.container.events.list({ types: ['attribute.*'] }, { limit: 10, order: 'desc' });
    expect(events.items.map((event) => event.actor_id)).toEqual(events.items.map(() => writer.id));
    expect(events.items.map((event) => event.type)).toEqual(['attribute.deleted', 'attribute.updated', 'attribute.updated', 'attribute.created']);
  });

  it('defines a scope releasing attributes as claims, edits it and removes it', async () => {
    await post('/admin/attributes/new', { name: 'employee_number', type: 'string' });
    await post('/admin/attributes/new', { name: 'cost_center', type: 'string' });
    const form = await agent.request(`${server.issuer}/admin/scopes/new`);
    expect(form.body).toContain('value="employee_number"');
    const reserved = await post('/admin/scopes/new', { name: 'profile' });
    expect(reserved.status).toBe(400);
    expect(reserved.body).toContain('id="name-error"');
    const created = await post('/admin/scopes/new', new URLSearchParams([['name', 'hr'], ['description', 'Your HR details'], ['claims', 'employee_number'], ['claims', 'cost_center']]));
    expect(created.url).toBe(`${server.issuer}/admin/scopes/hr?done=scope-created`);
    expect(await server.container.attributes.requireScope('hr')).toMatchObject({ description: 'Your HR details', claims: ['employee_number', 'cost_center'] });
    const saved = await post('/admin/scopes/hr/edit', { description: 'HR', claims: 'cost_center' });
    expect(saved.url).toContain('?done=scope-saved');
    expect(await server.container.attributes.requireScope('hr')).toMatchObject({ description: 'HR', claims: ['cost_center'] });
    const unknown = await post('/admin/scopes/hr/edit', { claims: 'no_such_attribute' });
    expect(unknown.status).toBeGreaterThanOrEqual(400);
    expect(unknown.status).toBeLessThan(500);
    expect((await agent.request(`${server.issuer}/admin/scopes/hr/remove`)).body).toContain('Remove this scope?');
    expect((await post('/admin/scopes/hr/remove', {})).url).toBe(`${server.issuer}/admin/scopes?done=scope-removed`);
    expect((await agent.request(`${server.issuer}/admin/scopes/hr`)).status).toBe(404);
  });
});

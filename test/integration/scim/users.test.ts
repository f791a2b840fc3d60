import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestServer, type TestServer } from '../../support/server.js';
import { TEST_ACTOR } from '../../support/rbac.js';
import { ENTERPRISE, ERROR_SCHEMA, patch, PATCH_OP, provisioningDirectory, USER_SCHEMA, type ScimClient } from '../../support/scim.js';

const user = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: [USER_SCHEMA],
  userName,
  name: { givenName: userName.split('@')[0], familyName: 'Tester' },
  emails: [{ value: userName, type: 'work', primary: true }],
  active: true,
  ...extra,
});
const filter = (expression: string, extra = '') => `/Users?filter=${encodeURIComponent(expression)}${extra}`;
const names = (body: { Resources: { userName: string }[] }) => body.Resources.map((resource) => resource.userName).sort();

/** /Users: CRUD, filters, paging, projection, sorting, the enterprise extension, versions and errors. */
describe('SCIM /Users', () => {
  let server: TestServer;
  let scim: ScimClient;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    server = await startTestServer();
    await server.container.attributes.defineAttribute({ name: 'department', type: 'string' }, TEST_ACTOR);
    await server.container.attributes.defineAttribute({ name: 'employee_number', type: 'string' }, TEST_ACTOR);
    scim = await provisioningDirectory(server, 'Acme Okta');
    const people = [
      user('ada@example.com', { title: 'Engineer', [ENTERPRISE]: { department: 'Research', employeeNumber: 'E100' }, schemas: [USER_SCHEMA, ENTERPRISE] }),
      user('bob@example.com', { title: 'Manager', emails: [{ value: 'bob@example.com', type: 'work', primary: true }, { value: 'bob@home.test', type: 'home' }] }),
      user('cyd@example.org', { active: false, externalId: 'okta-cyd' }),
      user('dee@example.org', { displayName: 'Dee Dee' }),
    ];
    for (const person of people) {
      const created = await scim.call('POST', '/Users', person);
      expect(created.status).toBe(201);
      ids[person.userName] = created.body.id;
    }
  });
  afterAll(() => server.close());

  it('creates an account marked with the directory, answers 201 with Location, ETag and application/scim+json', async () => {
    const created = await scim.call('POST', '/Users', user('eve@elsewhere.test', { externalId: '00u1' }));
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(created.headers.get('location')).toBe(`${server.issuer}/scim/v2/Users/${created.body.id}`);
    expect(created.headers.get('etag')).toBe(created.body.meta.version);
    expect(created.body).toMatchObject({ schemas: [USER_SCHEMA], userName: 'eve@elsewhere.test', externalId: '00u1', active: true, meta: { resourceType: 'User' } });
    const account = await server.container.accounts.findById(created.body.id);
    expect(account).toMatchObject({ email: 'eve@elsewhere.test', name: 'eve Tester', status: 'active', password_hash: null });
    const mark = await server.container.db('scim_users').where({ account_id: created.body.id }).first();
    expect(mark.directory_id).toBe(scim.directoryId);
    expect((await scim.call('GET', `/Users/${created.body.id}`)).body).toEqual(created.body);
  });

  it('refuses a second user with the same userName, or an address another account has, with 409 uniqueness', async () => {
    const again = await scim.call('POST', '/Users', user('ADA@example.com'));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '409', scimType: 'uniqueness' });
    await server.container.accounts.createAccount({ email: 'local@example.com' });
    const taken = await scim.call('POST', '/Users', user('someone', { emails: [{ value: 'local@example.com', primary: true }] }));
    expect(taken).toMatchObject({ status: 409, body: { scimType: 'uniqueness' } });
    // Nothing half-made: no account for "someone" and no mark.
    expect(await server.container.db('scim_users').where({ user_name: 'someone' }).first()).toBeUndefined();
    // The account row is written before the directory's mark: when the mark is refused (a userName the
    // directory has, with a fresh address), the transaction takes the account back too.
    const sameName = await scim.call('POST', '/Users', user('ada@example.com', { emails: [{ value: 'fresh-ada@example.com', primary: true }] }));
    expect(sameName).toMatchObject({ status: 409, body: { scimType: 'uniqueness', detail: 'a user with this userName already exists in this directory' } });
    expect(await server.container.accounts.findByEmail('fresh-ada@example.com')).toBeUndefined();
  });

  it('filters with eq (userName case-insensitive), ne, co, sw, ew, pr, and, or, not and grouping', async () => {
    expect(names((await scim.call('GET', filter('userName eq "ADA@EXAMPLE.COM"'))).body)).toEqual(['ada@example.com']);
    expect(names((await scim.call('GET', filter('userName sw "b"'))).body)).toEqual(['bob@example.com']);
    expect(names((await scim.call('GET', filter('userName ew "example.org"'))).body)).toEqual(['cyd@example.org', 'dee@example.org']);
    expect(names((await scim.call('GET', filter('userName co "y"'))).body)).toEqual(['cyd@example.org']);
    expect(names((await scim.call('GET', filter('title pr and userName ne "bob@example.com"'))).body)).toEqual(['ada@example.com']);
    expect(names((await scim.call('GET', filter('title eq "manager" or displayName eq "Dee Dee"'))).body)).toEqual(['bob@example.com', 'dee@example.org']);
    expect(names((await scim.call('GET', filter('active eq false'))).body)).toEqual(['cyd@example.org']);
    expect(names((await scim.call('GET', filter('externalId eq "okta-cyd"'))).body)).toEqual(['cyd@example.org']);
    // externalId is case-exact (RFC 7643 §3.1).
    expect((await scim.call('GET', filter('externalId eq "OKTA-CYD"'))).body.totalResults).toBe(0);
    const notTitled = names((await scim.call('GET', filter('not (title pr) and (userName ew ".org" or userName sw "ada")'))).body);
    expect(notTitled).toEqual(['cyd@example.org', 'dee@example.org']);
    expect(names((await scim.call('GET', filter(`${ENTERPRISE}:department eq "research"`))).body)).toEqual(['ada@example.com']);
  });

  it('filters on multi-valued emails: emails[type eq "work"].value, emails.value and value filters', async () => {
    expect(names((await scim.call('GET', filter('emails[type eq "work"].value eq "bob@example.com"'))).body)).toEqual(['bob@example.com']);
    expect(names((await scim.call('GET', filter('emails[type eq "home" and value co "@home"]'))).body)).toEqual(['bob@example.com']);
    expect(names((await scim.call('GET', filter('emails.value eq "bob@home.test"'))).body)).toEqual(['bob@example.com']);
    expect(names((await scim.call('GET', filter('emails co "example.org"'))).body)).toEqual(['cyd@example.org', 'dee@example.org']);
  });

  it('compares dates with gt and lt on meta.lastModified and meta.created', async () => {
    const ada = (await scim.call('GET', `/Users/${ids['ada@example.com']}`)).body;
    const after = (await scim.call('GET', filter(`meta.created gt "${ada.meta.created}"`))).body;
    expect(names(after)).not.toContain('ada@example.com');
    expect(names(after)).toContain('dee@example.org');
    const before = (await scim.call('GET', filter(`meta.lastModified lt "${new Date(Date.parse(ada.meta.created) + 1).toISOString()}"`))).body;
    expect(names(before)).toEqual(['ada@example.com']);
    expect((await scim.call('GET', filter('meta.created gt "not a date"'))).body).toMatchObject({ status: '400', scimType: 'invalidFilter' });
  });

  it('pages with startIndex and count, and totalResults counts every match', async () => {
    const first = (await scim.call('GET', filter('userName co "@example"', '&startIndex=1&count=2&sortBy=userName'))).body;
    expect(first).toMatchObject({ totalResults: 4, itemsPerPage: 2, startIndex: 1 });
    expect(first.Resources.map((r: { userName: string }) => r.userName)).toEqual(['ada@example.com', 'bob@example.com']);
    const second = (await scim.call('GET', filter('userName co "@example"', '&startIndex=3&count=2&sortBy=userName'))).body;
    expect(second.Resources.map((r: { userName: string }) => r.userName)).toEqual(['cyd@example.org', 'dee@example.org']);
    const countOnly = (await scim.call('GET', '/Users?count=0')).body;
    expect(countOnly.totalResults).toBeGreaterThanOrEqual(4);
    expect(countOnly.Resources).toEqual([]);
  });

  it('sorts with sortBy and sortOrder', async () => {
    const descending = (await scim.call('GET', filter('userName co "@example"', '&sortBy=userName&sortOrder=descending'))).body;
    expect(descending.Resources.map((r: { userName: string }) => r.userName)).toEqual(['dee@example.org', 'cyd@example.org', 'bob@example.com', 'ada@example.com']);
    expect((await scim.call('GET', '/Users?sortBy=emails')).body).toMatchObject({ status: '400', scimType: 'invalidPath' });
  });

  it('returns only the attributes asked for, or all but the excluded ones', async () => {
    const only = (await scim.call('GET', filter('userName eq "ada@example.com"', '&attributes=userName,name.familyName'))).body.Resources[0];
    expect(only).toEqual({ schemas: [USER_SCHEMA, ENTERPRISE], id: ids['ada@example.com'], userName: 'ada@example.com', name: { familyName: 'Tester' } });
    const without = (await scim.call('GET', `/Users/${ids['ada@example.com']}?excludedAttributes=emails,${ENTERPRISE}:department`)).body;
    expect(without.emails).toBeUndefined();
    expect(without[ENTERPRISE]).toEqual({ employeeNumber: 'E100' });
    expect(without.userName).toBe('ada@example.com');
    expect((await scim.call('GET', '/Users?attributes=shoeSize')).body).toMatchObject({ status: '400', scimType: 'invalidPath' });
  });

  it('copies enterprise attributes onto custom attributes through SCIM_ATTRIBUTE_MAPPING', async () => {
    expect(await server.container.attributes.valuesOf(ids['ada@example.com'])).toEqual({ department: 'Research', employee_number: 'E100' });
    const changed = await scim.call('PATCH', `/Users/${ids['ada@example.com']}`, patch({ op: 'replace', path: `${ENTERPRISE}:department`, value: 'Platform' }, { op: 'remove', path: `${ENTERPRISE}:employeeNumber` }));
    expect(changed.status).toBe(200);
    expect(changed.body[ENTERPRISE]).toEqual({ department: 'Platform' });
    expect(await server.container.attributes.valuesOf(ids['ada@example.com'])).toEqual({ department: 'Platform' });
  });

  it('replaces a user with PUT, keeping its status when active is left out', async () => {
    const id = ids['cyd@example.org'];
    const replaced = await scim.call('PUT', `/Users/${id}`, { schemas: [USER_SCHEMA], userName: 'cyd@example.org', externalId: 'okta-cyd', displayName: 'Cyd Renamed', emails: [{ value: 'cyd@example.org', primary: true }] });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ displayName: 'Cyd Renamed', active: false });
    expect(replaced.body.name).toBeUndefined();
    expect((await server.container.accounts.findById(id))?.name).toBe('Cyd Renamed');
  });

  it('honours If-Match: a stale version is 412 and changes nothing; the current one passes; If-None-Match is 304', async () => {
    const id = ids['dee@example.org'];
    const current = await scim.call('GET', `/Users/${id}`);
    const etag = current.headers.get('etag')!;
    expect((await scim.call('GET', `/Users/${id}`, undefined, { 'if-none-match': etag })).status).toBe(304);
    const changed = await scim.call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'Lead' }), { 'if-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    const stale = await scim.call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'Intern' }), { 'if-match': etag });
    expect(stale.status).toBe(412);
    expect((await scim.call('GET', `/Users/${id}`)).body.title).toBe('Lead');
    expect((await scim.call('DELETE', `/Users/${id}`, undefined, { 'if-match': etag })).status).toBe(412);
  });

  it('answers bad requests with SCIM errors, never a 500, and a bad operation anywhere changes nothing', async () => {
    const id = ids['bob@example.com'];
    const before = (await scim.call('GET', `/Users/${id}`)).body;
    const cases: [string, string, unknown, number, string][] = [
      ['GET', filter('userName eq'), undefined, 400, 'invalidFilter'],
      ['GET', filter('userName xx "a"'), undefined, 400, 'invalidFilter'],
      ['GET', filter('shoeSize eq "42"'), undefined, 400, 'invalidFilter'],
      ['GET', filter('active gt true'), undefined, 400, 'invalidFilter'],
      ['GET', filter('name eq "x"'), undefined, 400, 'invalidFilter'],
      ['GET', '/Users?startIndex=abc', undefined, 400, 'invalidValue'],
      ['PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'Boss' }, { op: 'replace', path: 'shoeSize', value: 42 }), 400, 'invalidPath'],
      ['PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'Boss' }, { op: 'replace', path: 'emails[type eq', value: 'x' }), 400, 'invalidPath'],
      ['PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'Boss' }, { op: 'jump', path: 'title', value: 'x' }), 400, 'invalidSyntax'],
      ['PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'Boss' }, { op: 'replace', path: 'active', value: 'maybe' }), 400, 'invalidValue'],
      ['PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'Boss' }, { op: 'replace', path: 'groups', value: [] }), 400, 'mutability'],
      ['PATCH', `/Users/${id}`, { Operations: [{ op: 'replace', path: 'title', value: 'Boss' }] }, 400, 'invalidSyntax'],
      ['PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'Boss' }, { op: 'replace', path: 'emails', value: [{ value: 'not an address', primary: true }] }), 400, 'invalidValue'],
      ['PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'userName', value: 'ada@example.com' }, { op: 'replace', path: 'title', value: 'Boss' }), 409, 'uniqueness'],
      ['PATCH', `/Users/${id}`, patch(...Array.from({ length: 1001 }, () => ({ op: 'replace', path: 'title', value: 'Boss' }))), 413, 'tooLarge'],
      ['PUT', `/Users/${id}`, '{"userName": ', 400, 'invalidSyntax'],
      ['POST', '/Users', { schemas: [USER_SCHEMA], emails: [{ value: 'x@example.com' }] }, 400, 'invalidValue'],
      ['POST', '/Users', { schemas: [USER_SCHEMA], userName: 'no-address' }, 400, 'invalidValue'],
      ['POST', '/Users', { schemas: [USER_SCHEMA], userName: 'big@example.com', title: 'x'.repeat(1_100_000) }, 413, 'tooLarge'],
    ];
    for (const [method, path, body, status, scimType] of cases) {
      const response = await scim.call(method, path, body);
      expect({ method, path: path.slice(0, 80), status: response.status, body: response.body }).toEqual({
        method,
        path: path.slice(0, 80),
        status,
        body: expect.objectContaining({ schemas: [ERROR_SCHEMA], status: String(status), scimType, detail: expect.any(String) }),
      });
    }
    const after = (await scim.call('GET', `/Users/${id}`)).body;
    expect(after).toEqual(before);
  });

  it('answers 404 for a user of another directory, a malformed id, and an unknown endpoint', async () => {
    const other = await provisioningDirectory(server, 'Other Entra');
    const theirs = await other.call('GET', `/Users/${ids['ada@example.com']}`);
    expect(theirs).toMatchObject({ status: 404, body: { schemas: [ERROR_SCHEMA], status: '404' } });
    expect((await other.call('GET', '/Users')).body.totalResults).toBe(0);
    expect((await other.call('PATCH', `/Users/${ids['ada@example.com']}`, patch({ op: 'replace', path: 'active', value: false }))).status).toBe(404);
    expect((await scim.call('GET', '/Users/not-a-uuid')).status).toBe(404);
    expect((await scim.call('GET', '/Bulk')).status).toBe(404);
  });

  it('takes a body sent as application/json as it takes application/scim+json (RFC 7644 §3.1)', async () => {
    const created = await scim.call('POST', '/Users', user('json@example.com', { title: 'Plain JSON' }), { 'content-type': 'application/json' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ userName: 'json@example.com', title: 'Plain JSON' });
    const patched = await scim.call('PATCH', `/Users/${created.body.id}`, patch({ op: 'replace', path: 'title', value: 'Still JSON' }), { 'content-type': 'application/json; charset=utf-8' });
    expect(patched.body.title).toBe('Still JSON');
  });

  it('refuses a body that is not JSON with 415', async () => {
    const response = await fetch(`${server.issuer}/scim/v2/Users`, { method: 'POST', headers: { authorization: `Bearer ${scim.token}`, 'content-type': 'text/plain' }, body: 'userName=x' });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ schemas: [ERROR_SCHEMA], status: '415' });
  });

  it('refuses text PostgreSQL cannot store (NUL, a lone surrogate) with 400 invalidValue naming the field, changing nothing', async () => {
    const refusal = (field: string) => ({ schemas: [ERROR_SCHEMA], status: '400', scimType: 'invalidValue', detail: `${field}: must not contain NUL characters or unpaired surrogates` });
    const nul = JSON.stringify(user('nul@example.com')).replace('"userName":"nul@example.com"', '"userName":"nul\\u0000@example.com"');
    const created = await scim.call('POST', '/Users', nul);
    expect(created.status).toBe(400);
    expect(created.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(created.body).toEqual(refusal('userName'));
    const surrogate = '{"schemas":["' + PATCH_OP + '"],"Operations":[{"op":"replace","path":"title","value":"Chief \\ud800"}]}';
    const before = (await scim.call('GET', `/Users/${ids['dee@example.org']}`)).body;
    const patched = await scim.call('PATCH', `/Users/${ids['dee@example.org']}`, surrogate);
    expect(patched).toMatchObject({ status: 400, body: refusal('Operations.0.value') });
    expect((await scim.call('GET', `/Users/${ids['dee@example.org']}`)).body).toEqual(before);
    const query = await scim.call('GET', '/Users?filter=userName%20eq%20%22a%00b%22');
    expect(query).toMatchObject({ status: 400, body: refusal('filter') });
    const path = await scim.call('GET', '/Users/a%00b');
    expect(path).toMatchObject({ status: 400, body: refusal('id') });
    expect(await server.container.accounts.findByEmail('nul@example.com')).toBeUndefined();
  });

  it('serves the discovery documents with what is supported', async () => {
    const config = (await scim.call('GET', '/ServiceProviderConfig')).body;
    expect(config).toMatchObject({ patch: { supported: true }, bulk: { supported: false }, filter: { supported: true, maxResults: 200 }, sort: { supported: true }, etag: { supported: true }, changePassword: { supported: false } });
    const types = (await scim.call('GET', '/ResourceTypes')).body;
    expect(types.Resources.map((type: { id: string }) => type.id)).toEqual(['User', 'Group']);
    expect((await scim.call('GET', '/ResourceTypes/User')).body.schemaExtensions).toEqual([{ schema: ENTERPRISE, required: false }]);
    const schemas = (await scim.call('GET', '/Schemas')).body;
    expect(schemas.Resources.map((schema: { id: string }) => schema.id)).toEqual([USER_SCHEMA, ENTERPRISE, 'urn:ietf:params:scim:schemas:core:2.0:Group']);
    const userSchema = (await scim.call('GET', `/Schemas/${USER_SCHEMA}`)).body;
    expect(userSchema.attributes.find((attribute: { name: string }) => attribute.name === 'userName')).toMatchObject({ required: true, uniqueness: 'server' });
  });

  it('deletes a user: the account is gone and the id answers 404', async () => {
    const created = await scim.call('POST', '/Users', user('gone@example.com'));
    expect((await scim.call('DELETE', `/Users/${created.body.id}`)).status).toBe(204);
    expect(await server.container.accounts.findById(created.body.id)).toBeUndefined();
    expect((await scim.call('GET', `/Users/${created.body.id}`)).status).toBe(404);
    expect((await scim.call('DELETE', `/Users/${created.body.id}`)).status).toBe(404);
  });

  it('records changes as audit events with the directory as the actor', async () => {
    const events = await server.container.db('events').where({ account_id: ids['ada@example.com'] }).orderBy('id');
    expect(events.map((event: { type: string }) => event.type)).toEqual(expect.arrayContaining(['account.created', 'account.updated']));
    for (const event of events) expect(event).toMatchObject({ actor_type: 'directory', actor_id: scim.directoryId });
    expect(events[0].detail).toMatchObject({ via: 'scim', directory: 'Acme Okta' });
  });
});

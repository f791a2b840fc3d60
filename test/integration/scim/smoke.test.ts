import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestServer, type TestServer } from '../../support/server.js';
import { patch, provisioningDirectory, USER_SCHEMA, type ScimClient } from '../../support/scim.js';

describe('smoke', () => {
  let server: TestServer;
  let scim: ScimClient;
  beforeAll(async () => {
    server = await startTestServer();
    scim = await provisioningDirectory(server, 'Okta');
  });
  afterAll(() => server.close());

  it('works', async () => {
    const created = await scim.call('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'ann@example.com', name: { givenName: 'Ann', familyName: 'Lee' }, emails: [{ value: 'ann@example.com', type: 'work', primary: true }], active: true });
    console.log(created.status, JSON.stringify(created.body), created.headers.get('content-type'));
    const list = await scim.call('GET', '/Users?filter=' + encodeURIComponent('userName eq "ANN@example.com"'));
    console.log(list.status, JSON.stringify(list.body));
    const p = await scim.call('PATCH', `/Users/${created.body.id}`, patch({ op: 'Replace', path: 'active', value: 'False' }));
    console.log(p.status, JSON.stringify(p.body));
    const g = await scim.call('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Eng', members: [{ value: created.body.id }] });
    console.log(g.status, JSON.stringify(g.body));
    const gp = await scim.call('PATCH', `/Groups/${g.body.id}`, patch({ op: 'Remove', path: `members[value eq "${created.body.id}"]` }));
    console.log(gp.status, JSON.stringify(gp.body));
    const bad = await scim.call('GET', '/Users?filter=' + encodeURIComponent('userName eq'));
    console.log(bad.status, JSON.stringify(bad.body));
    const disc = await scim.call('GET', '/Schemas');
    console.log(disc.status, JSON.stringify(disc.body).slice(0, 200));
    expect(created.status).toBe(201);
  });
});

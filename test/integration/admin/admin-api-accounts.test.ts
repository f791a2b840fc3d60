import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { bootstrapAdmin, type ApiClient } from '../../support/admin.js';
import { TEST_ACTOR } from '../../support/rbac.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const V1 = '/admin/api/v1';

/** Issue 16: the account search of GET /accounts (email prefix, name words, attribute), with cursors. */
describe('admin API: account search', () => {
  let server: TestServer;
  let admin: ApiClient;
  const emails = (body: { items: { email: string }[] }) => body.items.map((item) => item.email).sort();

  beforeAll(async () => {
    server = await startTestServer();
    admin = await bootstrapAdmin(server);
    const { accounts, attributes } = server.container;
    await attributes.defineAttribute({ name: 'department', type: 'string' }, TEST_ACTOR);
    await attributes.defineAttribute({ name: 'teams', type: 'string_list' }, TEST_ACTOR);
    const people: [string, string | undefined, Record<string, unknown>][] = [
      ['jane.smith@example.com', 'Jane Smith', { department: 'Sales', teams: ['north', 'east'] }],
      ['john.smithers@example.com', 'John Smithers', { department: 'sales' }],
      ['janet@other.example', 'Janet Doe', { department: 'Legal', teams: ['north'] }],
      ['x_yz@example.com', undefined, {}],
      ['xay@example.com', 'Other Person', {}],
    ];
    for (const [email, name, values] of people) {
      const account = await accounts.createAccount({ email, name });
      if (Object.keys(values).length) await attributes.setValues(account.id, values as never, 'admin');
    }
  });
  afterAll(() => server.close());

  it('finds accounts by the start of the email, case-insensitive', async () => {
    const found = await admin.call('GET', `${V1}/accounts?search=JAN`);
    expect(found.status).toBe(200);
    expect(emails(found.body)).toEqual(['jane.smith@example.com', 'janet@other.example']);
    // Only the start: "smith" is inside the address of jane.smith, not its start (but it is a name word).
    expect(emails((await admin.call('GET', `${V1}/accounts?search=example.com`)).body)).toEqual([]);
  });

  it('takes LIKE wildcards literally', async () => {
    // Unescaped, 'x_' would also match xay@ and '%' every account.
    expect(emails((await admin.call('GET', `${V1}/accounts?search=${encodeURIComponent('x_')}`)).body)).toEqual(['x_yz@example.com']);
    expect(emails((await admin.call('GET', `${V1}/accounts?search=${encodeURIComponent('%')}`)).body)).toEqual([]);
  });

  it('finds accounts by the start of each word of the name', async () => {
    expect(emails((await admin.call('GET', `${V1}/accounts?search=smith`)).body)).toEqual(['jane.smith@example.com', 'john.smithers@example.com']);
    expect(emails((await admin.call('GET', `${V1}/accounts?search=${encodeURIComponent('smi ja')}`)).body)).toEqual(['jane.smith@example.com']);
    // Text that is no tsquery syntax at all: an empty page, never a 500.
    for (const hostile of ["'&|!:*()", 'a & b', '\\', '%%%', 'ü']) {
      const answer = await admin.call('GET', `${V1}/accounts?search=${encodeURIComponent(hostile)}`);
      expect(answer.status).toBe(200);
    }
  });

  it('finds accounts by an attribute value, and by an item of a list attribute', async () => {
    expect(emails((await admin.call('GET', `${V1}/accounts?attribute=department%3Dsales`)).body)).toEqual(['jane.smith@example.com', 'john.smithers@example.com']);
    expect(emails((await admin.call('GET', `${V1}/accounts?attribute=teams%3Dnorth`)).body)).toEqual(['jane.smith@example.com', 'janet@other.example']);
    expect(emails((await admin.call('GET', `${V1}/accounts?attribute=department%3Dsales&search=john`)).body)).toEqual(['john.smithers@example.com']);
  });

  it('refuses an unknown attribute or a malformed filter with a 400 naming the field', async () => {
    const unknown = await admin.call('GET', `${V1}/accounts?attribute=shoe_size%3D42`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.field).toBe('attribute');
    const malformed = await admin.call('GET', `${V1}/accounts?attribute=department`);
    expect(malformed.status).toBe(400);
    expect(malformed.body.field).toBe('attribute');
    const empty = await admin.call('GET', `${V1}/accounts?search=`);
    expect(empty.status).toBe(400);
  });

  it('pages a search with cursors, neither skipping nor repeating', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: { email: string }[]; next_cursor: string | null } } = await admin.call('GET', `${V1}/accounts?search=j&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((item) => item.email));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen.sort()).toEqual(['jane.smith@example.com', 'janet@other.example', 'john.smithers@example.com']);
  });
});

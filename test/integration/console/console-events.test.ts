import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createOperator, signInToConsole, type Operator } from '../../support/console.js';
import { ManualClock } from '../../support/manual-clock.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import type { UserAgent } from '../../support/user-agent.js';

/** Issue 16, events section: the audit log through the admin API, its export, and the chain check. */
describe('admin console: events', () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let reader: Operator;
  let agent: UserAgent;

  beforeAll(async () => {
    server = await startTestServer({ clock });
    reader = await createOperator(server, clock, 'reader@example.com', ['admin:read']);
    ({ agent } = await signInToConsole(server, reader, clock));
  });
  afterAll(() => server.close());

  it('filters by type and shows the matching events', async () => {
    const page = await agent.request(`${server.issuer}/admin/events?type=login.succeeded`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<code>login.succeeded</code>');
    expect(page.body).not.toContain('<code>account.created</code>');
  });

  it('filters by actor and by IP address, as the admin API does', async () => {
    const mine = await agent.request(`${server.issuer}/admin/events?actor=${reader.id}`);
    expect(mine.status).toBe(200);
    expect(mine.body).toContain(`value="${reader.id}"`);
    expect(mine.body).toContain(`<code>${reader.id}</code>`);
    const nobody = await agent.request(`${server.issuer}/admin/events?actor=nobody-at-all`);
    expect(nobody.body).toContain('No events match.');
    const local = await agent.request(`${server.issuer}/admin/events?ip=127.0.0.1&type=login.succeeded`);
    expect(local.body).toContain('<code>login.succeeded</code>');
    const elsewhere = await agent.request(`${server.issuer}/admin/events?ip=192.0.2.77`);
    expect(elsewhere.body).toContain('No events match.');
    const tooLong = await agent.request(`${server.issuer}/admin/events?ip=${'1'.repeat(80)}`);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toContain('id="f-ip-error"');
  });

  it('puts a refused filter next to its field (400), never a 500', async () => {
    for (const [name, value] of [['from', 'yesterday'], ['type', 'no.such.type'], ['outcome', 'maybe']]) {
      const page = await agent.request(`${server.issuer}/admin/events?${name}=${value}`);
      expect(page.status).toBe(400);
      expect(page.body).toContain(`id="f-${name}-error"`);
    }
    const cursor = await agent.request(`${server.issuer}/admin/events?cursor=garbage`);
    expect(cursor).toMatchObject({ status: 200, url: `${server.issuer}/admin/events` });
  });

  it('exports the filtered events as NDJSON', async () => {
    const response = await fetch(`${server.issuer}/admin/events/export?type=login.succeeded`, { headers: { cookie: await agent.jar.getCookieString(`${server.issuer}/admin`) } });
    expect(response.headers.get('content-type')).toContain('application/x-ndjson');
    expect(response.headers.get('content-disposition')).toContain('events.ndjson');
    const lines = (await response.text()).trim().split('\n').map((line) => JSON.parse(line) as { type: string });
    expect(lines.length).toBeGreaterThan(0);
    expect(new Set(lines.map((line) => line.type))).toEqual(new Set(['login.succeeded']));
  });

  it('verifies the chain and shows the result', async () => {
    const page = await agent.request(`${server.issuer}/admin/events/verify`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('The event chain verifies');
  });
});

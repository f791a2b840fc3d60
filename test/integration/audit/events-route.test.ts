import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa, { type Middleware } from 'koa';
import { ADMIN_PREFIX } from '../../../src/admin/openapi.js';
import { createEventRouter } from '../../../src/audit/routes.js';
import type { StoredEvent } from '../../../src/audit/queries.js';
import { AppError } from '../../../src/errors/app-error.js';
import { errorHandler } from '../../../src/http/error-handler.js';
import { requestContext } from '../../../src/http/request-id.js';
import { createLogger } from '../../../src/shared/logger.js';
import { auditOn, type AuditHarness } from '../../support/audit.js';
import { ManualClock } from '../../support/manual-clock.js';
import { adminWith } from '../../support/admin.js';
import { openTestDatabase, type TestDatabase } from '../../support/database.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const HOUR = 3600_000;
const ADMIN = { authorization: 'Bearer test-admin' };

/** Stands in for the admin API's guard: the route must not run without it letting the caller through. */
const guard: Middleware = async (ctx, next) => {
  if (ctx.get('authorization') !== ADMIN.authorization) throw new AppError('UNAUTHENTICATED', 401, 'admin credentials required');
  await next();
};

describe('GET /admin/api/v1/events (router factory mounted as the admin API will mount it)', () => {
  let testDatabase: TestDatabase;
  let harness: AuditHarness;
  let server: Server;
  let base: string;
  const clock = new ManualClock(Date.parse('2026-11-20T08:00:00.000Z'));

  const get = async (query: string, headers: Record<string, string> = ADMIN) => fetch(`${base}/admin/api/v1/events${query}`, { headers });
  const page = async (query: string) => {
    const response = await get(query);
    expect(response.status).toBe(200);
    return (await response.json()) as { items: StoredEvent[]; next_cursor: string | null };
  };

  beforeAll(async () => {
    testDatabase = await openTestDatabase();
    harness = auditOn(testDatabase.database.db, clock);
    // A week of sign-ins to two clients from two addresses, and a few other events.
    for (let i = 0; i < 30; i += 1) {
      await harness.audit.record({
        type: i % 5 === 0 ? 'login.failed' : 'login.succeeded',
        outcome: i % 5 === 0 ? 'failure' : 'success',
        accountId: `account-${i % 3}`,
        clientId: i % 2 === 0 ? 'client-x' : 'client-y',
        origin: { ip: i % 4 === 0 ? '203.0.113.7' : '198.51.100.1', requestId: `req-${i}` },
        detail: i === 29 ? { note: 'line\u2028separator' } : {},
      });
      clock.advance(6 * HOUR / 1000);
    }
    await harness.audit.record({ type: 'client.created', actor: { type: 'system', id: 'cli' }, clientId: 'client-z' });

    const app = new Koa();
    const logger = createLogger('silent');
    app.use(requestContext(logger));
    app.use(errorHandler({ render: () => '', logger, isPage: () => false }));
    const events = createEventRouter({ events: harness.events, guard, prefix: ADMIN_PREFIX });
    app.use(events.routes());
    app.use(events.allowedMethods());
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await harness.audit.close();
    await testDatabase.destroy();
  });

  it('runs the guard first: no credentials, no events', async () => {
    const response = await get('', {});
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.text()).not.toContain('client-x');
  });

  it('pages newest first with a cursor that neither repeats nor skips, even as events arrive', async () => {
    const first = await page('?limit=7');
    expect(first.items.map((event) => Number(event.id))).toEqual([31, 30, 29, 28, 27, 26, 25]);
    await harness.audit.record({ type: 'logout', accountId: 'account-1' });
    const seen = first.items.map((event) => event.id);
    let cursor = first.next_cursor;
    while (cursor) {
      const next = await page(`?limit=7&cursor=${cursor}`);
      seen.push(...next.items.map((event) => event.id));
      cursor = next.next_cursor;
    }
    expect(seen.map(Number)).toEqual(Array.from({ length: 31 }, (_, i) => 31 - i));
  });

  it('pages oldest first with order=asc', async () => {
    const first = await page('?order=asc&limit=2');
    expect(first.items.map((event) => event.id)).toEqual(['1', '2']);
    const second = await page(`?order=asc&limit=2&cursor=${first.next_cursor}`);
    expect(second.items.map((event) => event.id)).toEqual(['3', '4']);
  });

  it('answers "who signed in to client X from IP Y last week" in one call', async () => {
    const { items } = await page('?type=login.succeeded&client=client-x&ip=203.0.113.7&from=2026-11-20T00:00:00Z&to=2026-11-27T00:00:00Z&limit=500');
    expect(items.length).toBeGreaterThan(0);
    for (const event of items) {
      expect(event).toMatchObject({ type: 'login.succeeded', client_id: 'client-x', ip: '203.0.113.7', outcome: 'success' });
      expect(event.account_id).toMatch(/^account-/);
      expect(event.occurred_at >= '2026-11-20' && event.occurred_at < '2026-11-27').toBe(true);
    }
    const all = await page('?limit=500');
    const expected = all.items.filter((e) => e.type === 'login.succeeded' && e.client_id === 'client-x' && e.ip === '203.0.113.7' && e.occurred_at < '2026-11-27');
    expect(items.map((e) => e.id)).toEqual(expected.map((e) => e.id));
  });

  it('filters by type list, category, account, outcome and time range', async () => {
    const both = await page('?type=login.failed,client.created&limit=500');
    expect(new Set(both.items.map((e) => e.type))).toEqual(new Set(['login.failed', 'client.created']));
    const repeated = await page('?type=login.failed&type=client.created&limit=500');
    expect(repeated.items.map((e) => e.id)).toEqual(both.items.map((e) => e.id));
    const category = await page('?type=login.*&limit=500');
    expect(category.items).toHaveLength(30);
    const failures = await page('?outcome=failure&account=account-0&limit=500');
    expect(failures.items.map((e) => e.type)).toEqual(['login.failed', 'login.failed']);
    const window = await page('?from=2026-11-21T08:00:00Z&to=2026-11-21T20:00:00Z');
    expect(window.items.map((e) => e.occurred_at)).toEqual(['2026-11-21T14:00:00.000000Z', '2026-11-21T08:00:00.000000Z']);
  });

  it('exports NDJSON, oldest first, one event per line', async () => {
    for (const request of [get('?format=ndjson&type=login.*'), get('?type=login.*', { ...ADMIN, accept: 'application/x-ndjson' })]) {
      const response = await request;
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('application/x-ndjson');
      const body = await response.text();
      expect(body).not.toContain('\u2028');
      const lines = body.trimEnd().split('\n').map((line) => JSON.parse(line) as StoredEvent);
      expect(lines).toHaveLength(30);
      expect(lines.map((e) => Number(e.id))).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      expect(lines[29].detail).toEqual({ note: 'line\u2028separator' });
    }
    const resumed = await (await get('?format=ndjson&after_id=28&limit=2')).text();
    expect(resumed.trimEnd().split('\n').map((line) => JSON.parse(line).id)).toEqual(['29', '30']);
  });

  it('rejects bad parameters with a 400 naming the field', async () => {
    const cases: [string, string][] = [
      ['?limit=0', 'limit'],
      ['?limit=501', 'limit'],
      ['?limit=abc', 'limit'],
      ['?order=sideways', 'order'],
      ['?cursor=not-a-cursor', 'cursor'],
      ['?type=nonsense', 'type'],
      ['?outcome=maybe', 'outcome'],
      ['?from=yesterday', 'from'],
      ['?after_id=5', 'after_id'],
      ['?format=ndjson&cursor=abc', 'cursor'],
    ];
    for (const [query, field] of cases) {
      const response = await get(query);
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
      const problem = (await response.json()) as { field?: string; detail: string };
      expect(problem.field ?? problem.detail).toContain(field);
    }
    const ascending = await page('?order=asc&limit=1');
    const mismatched = await get(`?order=desc&cursor=${ascending.next_cursor}`);
    expect(mismatched.status).toBe(400);
  });
});

describe('GET /admin/api/v1/events behind the admin API guard (admin:read)', () => {
  let server: TestServer;
  let app: Server;
  let base: string;

  beforeAll(async () => {
    server = await startTestServer();
    const { container } = server;
    // Exactly the mount docs/events.md and the hand-over notes describe for src/app.ts.
    const koa = new Koa();
    const logger = createLogger('silent');
    koa.use(requestContext(logger));
    koa.use(errorHandler({ render: () => '', logger, isPage: () => false }));
    const events = createEventRouter({
      events: container.events,
      guard: container.apiGuard.require(container.systemApis.admin.identifier, () => 'admin:read'),
      prefix: ADMIN_PREFIX,
    });
    koa.use(events.routes());
    koa.use(events.allowedMethods());
    app = koa.listen(0, '127.0.0.1');
    await new Promise((resolve) => app.once('listening', resolve));
    base = `http://127.0.0.1:${(app.address() as AddressInfo).port}${ADMIN_PREFIX}/events`;
    await container.audit.record({ type: 'keys.rotated', actor: { type: 'system', id: 'cli' }, detail: { added: ['k1'] } });
  });
  afterAll(async () => {
    await new Promise((resolve) => app.close(resolve));
    await server.close();
  });

  it('answers 401 without a token, 403 without admin:read, and the events with it', async () => {
    expect((await fetch(base)).status).toBe(401);
    const nobody = await adminWith(server, []);
    expect((await fetch(base, { headers: { authorization: `Bearer ${nobody.token}` } })).status).toBe(403);
    const reader = await adminWith(server, ['admin:read']);
    const response = await fetch(`${base}?type=keys.rotated`, { headers: { authorization: `Bearer ${reader.token}` } });
    expect(response.status).toBe(200);
    const page = (await response.json()) as { items: StoredEvent[] };
    expect(page.items.map((event) => event.detail)).toEqual([{ added: ['k1'] }]);
  });
});

import { describe, expect, it } from '@jest/globals';
import { normalizeError } from '../../../src/errors/problem.js';
import { isStorageOutage } from '../../../src/errors/storage-outage.js';

const withProps = (message: string, props: Record<string, unknown> = {}) => Object.assign(new Error(message), props);

describe('store outage errors', () => {
  it.each([
    ['a refused connection', withProps('connect ECONNREFUSED 127.0.0.1:5432', { code: 'ECONNREFUSED' })],
    ['knex pool acquire timeout', withProps('Knex: Timeout acquiring a connection.', { name: 'KnexTimeoutError' })],
    ['a Postgres statement timeout', withProps('canceling statement due to statement timeout', { code: '57014' })],
    ['a Postgres shutdown', withProps('terminating connection due to administrator command', { code: '57P01' })],
    ['a Postgres connection exception', withProps('connection failure', { code: '08006' })],
    ['pg connect timeout', withProps('timeout expired')],
    ['ioredis with the offline queue off', withProps("Stream isn't writeable and enableOfflineQueue options is false")],
    ['an ioredis command timeout', withProps('Command timed out')],
    ['a Cluster failing over', withProps('CLUSTERDOWN The cluster is down')],
    ['a wrapped cause', new Error('could not load', { cause: withProps('x', { code: 'ECONNRESET' }) })],
  ])('recognises %s, and maps it to 503 with Retry-After', (_name, error) => {
    expect(isStorageOutage(error)).toBe(true);
    expect(normalizeError(error)).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE', headers: { 'Retry-After': expect.any(String) } });
  });

  it.each([
    ['a unique violation', withProps('duplicate key value violates unique constraint', { code: '23505' })],
    ['a programming error', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['a Redis script error', withProps('ERR Error running script')],
  ])('leaves %s alone (500)', (_name, error) => {
    expect(isStorageOutage(error)).toBe(false);
    expect(normalizeError(error).status).toBe(500);
  });
});

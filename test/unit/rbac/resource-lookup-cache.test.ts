import { describe, expect, it } from '@jest/globals';
import type { AuditRecorder } from '../../../src/audit/recorder.js';
import { createAccessCache, MISSING } from '../../../src/rbac/access-cache.js';
import type { RbacQueries } from '../../../src/rbac/queries.js';
import { createResourceService } from '../../../src/rbac/resource-service.js';

/** The token endpoint's resource lookup, read through the cache as createRbacServices wires it. */
function setup() {
  const stored = new Map<string, { identifier: string; permissions: string[] }>();
  let reads = 0;
  const queries = {
    findResourceWithPermissions: async (identifier: string) => {
      reads += 1;
      return stored.get(identifier);
    },
  } as unknown as RbacQueries;
  const cache = createAccessCache({
    load: async (identifier: string) => (await queries.findResourceWithPermissions(identifier)) ?? Promise.reject(MISSING),
    readGeneration: async () => '1',
    clock: { now: () => new Date(0) },
    pollIntervalMs: 1000,
    maxAgeMs: 60_000,
    maxEntries: 10,
  });
  const resources = createResourceService({ queries, audit: {} as AuditRecorder, tokenLookupCache: cache as never });
  return { stored, resources, cache, reads: () => reads };
}

describe('resource lookup for the token endpoint', () => {
  it('reads a known resource once, then from the cache until invalidated', async () => {
    const { stored, resources, cache, reads } = setup();
    stored.set('https://api', { identifier: 'https://api', permissions: ['read'] });
    expect(await resources.findByIdentifier('https://api')).toEqual({ identifier: 'https://api', permissions: ['read'] });
    await resources.findByIdentifier('https://api');
    expect(reads()).toBe(1);
    stored.set('https://api', { identifier: 'https://api', permissions: ['read', 'write'] });
    cache.invalidate();
    expect((await resources.findByIdentifier('https://api'))?.permissions).toEqual(['read', 'write']);
  });

  it('never caches an unknown identifier, so a resource created elsewhere is found at once', async () => {
    const { stored, resources } = setup();
    expect(await resources.findByIdentifier('https://new')).toBeUndefined();
    stored.set('https://new', { identifier: 'https://new', permissions: [] });
    expect(await resources.findByIdentifier('https://new')).toEqual({ identifier: 'https://new', permissions: [] });
  });
});

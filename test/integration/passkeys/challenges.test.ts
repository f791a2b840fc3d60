import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createAdapterFactory } from '../../../src/oidc/adapters/factory.js';
import { createChallengeStore, type ChallengeStore } from '../../../src/passkeys/challenges.js';
import { ManualClock } from '../../support/manual-clock.js';
import { startTestServer, type TestServer } from '../../support/server.js';

// The challenge store on the real interaction store: Redis with REDIS_URL, SQL (PGlite or Postgres) without.
describe('passkey challenges', () => {
  let server: TestServer;
  let store: ChallengeStore;
  const clock = new ManualClock();

  beforeAll(async () => {
    server = await startTestServer({ clock });
    const { db, redis, clients } = server.container;
    store = createChallengeStore(createAdapterFactory({ db, redis, clients, clock }), clock, 300);
  });
  afterAll(() => server.close());

  it('hands a challenge out once: a second take is a replay', async () => {
    await store.issue('interaction:a', { challenge: 'c-a', purpose: 'sign_in' });
    expect(await store.take('interaction:a', 'sign_in')).toEqual({ ok: true, pending: { challenge: 'c-a', purpose: 'sign_in', accountId: undefined, expiresAt: expect.any(Number) } });
    expect(await store.take('interaction:a', 'sign_in')).toEqual({ ok: false, reason: 'replayed' });
  });

  it('lets exactly one of two concurrent takers win', async () => {
    await store.issue('interaction:race', { challenge: 'c-r', purpose: 'sign_in' });
    const results = await Promise.all([store.take('interaction:race', 'sign_in'), store.take('interaction:race', 'sign_in'), store.take('interaction:race', 'sign_in')]);
    expect(results.filter((result) => result.ok)).toHaveLength(1);
  });

  it('is bound: another sign-in or session finds nothing', async () => {
    await store.issue('interaction:b', { challenge: 'c-b', purpose: 'sign_in' });
    expect(await store.take('interaction:other', 'sign_in')).toEqual({ ok: false, reason: 'missing' });
  });

  it('refuses a challenge used for another ceremony', async () => {
    await store.issue('session:c', { challenge: 'c-c', purpose: 'register', accountId: 'x' });
    expect(await store.take('session:c', 'sign_in')).toEqual({ ok: false, reason: 'wrong_purpose' });
  });

  it('expires by the injected clock', async () => {
    await store.issue('interaction:d', { challenge: 'c-d', purpose: 'second_factor', accountId: 'x' });
    clock.advance(301);
    expect(await store.take('interaction:d', 'second_factor')).toMatchObject({ ok: false });
  });

  it('issues afresh under a binding whose challenge was used', async () => {
    await store.issue('interaction:e', { challenge: 'c-e1', purpose: 'sign_in' });
    await store.take('interaction:e', 'sign_in');
    await store.issue('interaction:e', { challenge: 'c-e2', purpose: 'sign_in' });
    expect(await store.take('interaction:e', 'sign_in')).toMatchObject({ ok: true, pending: { challenge: 'c-e2' } });
  });
});

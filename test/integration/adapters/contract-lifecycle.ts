import { describe, expect, it } from '@jest/globals';
import { errors } from 'oidc-provider';
import { epochSeconds } from '../../../src/shared/clock.js';
import type { StoreRef } from './contract.js';
import { accessToken, authorizationCode, deviceCode, newId, session } from './payloads.js';

/** Expiry, consumption and removal. */
export function describeLifecycle(store: StoreRef): void {
  describe('insert if absent (ReplayDetection: single-use jti of client assertions and DPoP proofs)', () => {
    it('lets exactly one of concurrent inserts of an id win, finds it, and frees the id once it expires', async () => {
      const id = newId('replay');
      const payload = { iss: 'client-1', kind: 'ReplayDetection' } as never;
      const adapter = store.current.adapter('ReplayDetection');
      const results = await Promise.all([1, 2, 3, 4, 5].map(() => adapter.insertIfAbsent(id, payload, 60)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await adapter.find(id)).toMatchObject({ iss: 'client-1' });
      expect(await adapter.insertIfAbsent(id, payload, 60)).toBe(false);
      await store.current.passTime(70);
      expect(await adapter.insertIfAbsent(id, payload, 60)).toBe(true);
    });
  });

  describe('expiry', () => {
    it('gives every record and every index it writes the lifetime it was asked for', async () => {
      const [sessionId, codeId, tokenId, grantId] = [newId('sess'), newId('dc'), newId('at'), newId('grant')];
      const startedAt = performance.now();
      await store.current.adapter('Session').upsert(sessionId, session(sessionId, newId('uid')), 60);
      await store.current.adapter('DeviceCode').upsert(codeId, deviceCode(codeId, 'ABCD-WXYZ', grantId), 60);
      await store.current.adapter('AccessToken').upsert(tokenId, accessToken(tokenId, grantId), 60);
      const lifetimes = await store.current.lifetimes();
      // Redis counts down in whole seconds while the test runs: at most the time it took has passed
      // (measured, not a fixed slice of wall time), plus one second of rounding.
      const elapsed = Math.ceil((performance.now() - startedAt) / 1000);
      expect(lifetimes.length).toBeGreaterThanOrEqual(3);
      for (const { entry, seconds } of lifetimes) {
        expect({ entry, seconds }).toEqual({ entry, seconds: expect.any(Number) });
        expect(seconds).toBeLessThanOrEqual(60);
        expect(seconds).toBeGreaterThanOrEqual(60 - elapsed - 1);
      }
    });

    it('finds records until they expire, and by no lookup afterwards', async () => {
      const [tokenId, sessionId, codeId, uid, grantId] = [newId('at'), newId('sess'), newId('dc'), newId('uid'), newId('grant')];
      await store.current.adapter('AccessToken').upsert(tokenId, accessToken(tokenId, grantId), 60);
      await store.current.adapter('Session').upsert(sessionId, session(sessionId, uid), 60);
      await store.current.adapter('DeviceCode').upsert(codeId, deviceCode(codeId, 'LIVE-CODE', grantId), 60);

      await store.current.passTime(50);
      expect(await store.current.adapter('AccessToken').find(tokenId)).toMatchObject({ jti: tokenId });
      expect(await store.current.adapter('Session').findByUid(uid)).toMatchObject({ uid });
      expect(await store.current.adapter('DeviceCode').findByUserCode('LIVE-CODE')).toMatchObject({ userCode: 'LIVE-CODE' });

      await store.current.passTime(20);
      expect(await store.current.adapter('AccessToken').find(tokenId)).toBeUndefined();
      expect(await store.current.adapter('Session').find(sessionId)).toBeUndefined();
      expect(await store.current.adapter('Session').findByUid(uid)).toBeUndefined();
      expect(await store.current.adapter('DeviceCode').findByUserCode('LIVE-CODE')).toBeUndefined();
    });

    it('keeps a record upserted without expiresIn', async () => {
      const id = newId('at');
      await store.current.adapter('AccessToken').upsert(id, accessToken(id, newId('grant')), undefined);
      expect((await store.current.lifetimes()).map((lifetime) => lifetime.seconds)).toEqual(expect.arrayContaining([null]));
      await store.current.passTime(10 * 365 * 24 * 3600);
      expect(await store.current.adapter('AccessToken').find(id)).toMatchObject({ jti: id });
    });

    it('still revokes a long-lived record after a shorter-lived one joined its grant', async () => {
      const accessTokens = store.current.adapter('AccessToken');
      const [longFirst, shortFirst] = [newId('grant'), newId('grant')];
      const [a, b, c, d] = [newId('at'), newId('at'), newId('at'), newId('at')];
      await accessTokens.upsert(a, accessToken(a, longFirst), 600);
      await accessTokens.upsert(b, accessToken(b, longFirst), 30);
      await accessTokens.upsert(c, accessToken(c, shortFirst), 30);
      await accessTokens.upsert(d, accessToken(d, shortFirst), 600);
      await store.current.passTime(60);
      await accessTokens.revokeByGrantId(longFirst);
      await accessTokens.revokeByGrantId(shortFirst);
      expect(await accessTokens.find(a)).toBeUndefined();
      expect(await accessTokens.find(d)).toBeUndefined();
    });
  });

  describe('consume', () => {
    it('marks the record consumed with the time, and keeps the rest of the payload', async () => {
      const codes = store.current.adapter('AuthorizationCode');
      const id = newId('code');
      const payload = authorizationCode(id, newId('grant'));
      await codes.upsert(id, payload, 60);
      const before = epochSeconds(store.current.clock);
      await codes.consume(id);
      const after = epochSeconds(store.current.clock);
      const found = await codes.find(id);
      expect(found).toEqual({ ...payload, consumed: expect.any(Number) });
      expect(found!.consumed).toBeGreaterThanOrEqual(before);
      expect(found!.consumed).toBeLessThanOrEqual(after);
    });

    it('lets exactly one of ten concurrent consumes succeed and refuses the rest with InvalidGrant', async () => {
      const codes = store.current.adapter('AuthorizationCode');
      const id = newId('code');
      await codes.upsert(id, authorizationCode(id, newId('grant')), 60);
      const results = await Promise.allSettled(Array.from({ length: 10 }, () => codes.consume(id)));
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const refusals = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
      expect(refusals).toHaveLength(9);
      for (const reason of refusals) expect(reason).toBeInstanceOf(errors.InvalidGrant);
      expect(await codes.find(id)).toMatchObject({ consumed: expect.any(Number) });
    });

    it('refuses a later consume of a consumed record', async () => {
      const refreshTokens = store.current.adapter('RefreshToken');
      const id = newId('rt');
      await refreshTokens.upsert(id, { ...authorizationCode(id, newId('grant')), kind: 'RefreshToken' }, 60);
      await refreshTokens.consume(id);
      await expect(refreshTokens.consume(id)).rejects.toBeInstanceOf(errors.InvalidGrant);
    });

    it('does not throw for a missing id, and creates nothing', async () => {
      const codes = store.current.adapter('AuthorizationCode');
      const id = newId('code');
      await expect(codes.consume(id)).resolves.toBeUndefined();
      expect(await codes.find(id)).toBeUndefined();
      expect(await store.current.dump()).toEqual([]);
    });
  });

  describe('destroy and revokeByGrantId', () => {
    it('destroy removes the record and its uid lookup, and nothing else', async () => {
      const sessions = store.current.adapter('Session');
      const [gone, kept, goneUid, keptUid] = [newId('sess'), newId('sess'), newId('uid'), newId('uid')];
      await sessions.upsert(gone, session(gone, goneUid), 60);
      await sessions.upsert(kept, session(kept, keptUid), 60);
      await sessions.destroy(gone);
      expect(await sessions.find(gone)).toBeUndefined();
      expect(await sessions.findByUid(goneUid)).toBeUndefined();
      expect(await sessions.find(kept)).toMatchObject({ jti: kept });
      await expect(sessions.destroy(newId('sess'))).resolves.toBeUndefined();
    });

    it('revokeByGrantId removes every record of that grant for that model and leaves the rest', async () => {
      const accessTokens = store.current.adapter('AccessToken');
      const codes = store.current.adapter('AuthorizationCode');
      const [revoked, other] = [newId('grant'), newId('grant')];
      const [a1, a2, a3, c1] = [newId('at'), newId('at'), newId('at'), newId('code')];
      await accessTokens.upsert(a1, accessToken(a1, revoked), 60);
      await accessTokens.upsert(a2, accessToken(a2, revoked), 60);
      await accessTokens.upsert(a3, accessToken(a3, other), 60);
      await codes.upsert(c1, authorizationCode(c1, revoked), 60);

      await accessTokens.revokeByGrantId(revoked);
      expect(await accessTokens.find(a1)).toBeUndefined();
      expect(await accessTokens.find(a2)).toBeUndefined();
      expect(await accessTokens.find(a3)).toMatchObject({ jti: a3 });
      expect(await codes.find(c1)).toMatchObject({ jti: c1 });

      await codes.revokeByGrantId(revoked);
      expect(await codes.find(c1)).toBeUndefined();
      await expect(accessTokens.revokeByGrantId(newId('grant'))).resolves.toBeUndefined();
    });
  });
}

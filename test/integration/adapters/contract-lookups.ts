import { describe, expect, it } from '@jest/globals';
import type { StoreRef } from './contract.js';
import { accessToken, authorizationCode, deviceCode, newId, session, withoutJti } from './payloads.js';

/** Upsert, find, the secondary lookups, and what an upsert over an existing record leaves behind. */
export function describeLookups(store: StoreRef): void {
  describe('upsert and find', () => {
    it('finds what was upserted, with jti restored from the id, without changing the caller’s payload', async () => {
      const accessTokens = store.current.adapter('AccessToken');
      const id = newId('at');
      const payload = accessToken(id, newId('grant'));
      const original = structuredClone(payload);
      await accessTokens.upsert(id, payload, 60);
      expect(payload).toEqual(original);
      expect(await accessTokens.find(id)).toEqual(original);
    });

    it('returns undefined, never {} or null, for an unknown id, uid or user code', async () => {
      await store.current.adapter('Session').upsert(newId('sess'), session(newId('sess'), newId('uid')), 60);
      expect(await store.current.adapter('AccessToken').find(newId('at'))).toBeUndefined();
      expect(await store.current.adapter('Session').findByUid(newId('uid'))).toBeUndefined();
      expect(await store.current.adapter('DeviceCode').findByUserCode('ABCD-EFGH')).toBeUndefined();
    });

    it('keeps models apart: the same id under two models is two records', async () => {
      const id = newId('shared');
      const grantId = newId('grant');
      await store.current.adapter('AccessToken').upsert(id, accessToken(id, grantId), 60);
      expect(await store.current.adapter('AuthorizationCode').find(id)).toBeUndefined();
      await store.current.adapter('AuthorizationCode').upsert(id, authorizationCode(id, grantId), 60);
      expect(await store.current.adapter('AccessToken').find(id)).toMatchObject({ kind: 'AccessToken' });
      expect(await store.current.adapter('AuthorizationCode').find(id)).toMatchObject({ kind: 'AuthorizationCode' });
    });

    it('finds a session by its uid, and only through the Session model', async () => {
      const id = newId('sess');
      const uid = newId('uid');
      const payload = session(id, uid);
      await store.current.adapter('Session').upsert(id, payload, 60);
      // Only the id's hash is stored, so a lookup by uid cannot restore jti; the rest must be there.
      expect(await store.current.adapter('Session').findByUid(uid)).toMatchObject(withoutJti(payload));
      expect(await store.current.adapter('Interaction').findByUid(uid)).toBeUndefined();
    });

    it('finds a device code by its user code', async () => {
      const id = newId('dc');
      const payload = deviceCode(id, 'WDJB-MJHT', newId('grant'));
      await store.current.adapter('DeviceCode').upsert(id, payload, 60);
      expect(await store.current.adapter('DeviceCode').findByUserCode('WDJB-MJHT')).toMatchObject(withoutJti(payload));
    });
  });

  describe('upsert over an existing record', () => {
    it('replaces the payload, the user-code and grant lookups, and the lifetime', async () => {
      const deviceCodes = store.current.adapter('DeviceCode');
      const id = newId('dc');
      const [oldGrant, newGrant] = [newId('grant'), newId('grant')];
      await deviceCodes.upsert(id, { ...deviceCode(id, 'OLDC-ODE1', oldGrant), inFlight: true }, 600);
      const replacement = deviceCode(id, 'NEWC-ODE2', newGrant);
      await deviceCodes.upsert(id, replacement, 60);

      expect(await deviceCodes.find(id)).toEqual(replacement);
      expect(await deviceCodes.findByUserCode('NEWC-ODE2')).toMatchObject(withoutJti(replacement));
      expect(await deviceCodes.findByUserCode('OLDC-ODE1')).toBeUndefined();
      for (const { entry, seconds } of await store.current.lifetimes()) {
        expect({ entry, outlivesReplacement: seconds === null || seconds > 60 }).toEqual({ entry, outlivesReplacement: false });
      }
      await deviceCodes.revokeByGrantId(oldGrant);
      expect(await deviceCodes.find(id)).toEqual(replacement);
      await deviceCodes.revokeByGrantId(newGrant);
      expect(await deviceCodes.find(id)).toBeUndefined();
    });

    it('moves the uid lookup when a session record is saved with another uid', async () => {
      const sessions = store.current.adapter('Session');
      const id = newId('sess');
      const [oldUid, newUid] = [newId('uid'), newId('uid')];
      await sessions.upsert(id, session(id, oldUid), 60);
      await sessions.upsert(id, session(id, newUid), 60);
      expect(await sessions.findByUid(oldUid)).toBeUndefined();
      expect(await sessions.findByUid(newUid)).toMatchObject({ uid: newUid });
    });

    it('extends the lifetime when the replacement lives longer', async () => {
      const accessTokens = store.current.adapter('AccessToken');
      const id = newId('at');
      await accessTokens.upsert(id, accessToken(id, newId('grant')), 60);
      await accessTokens.upsert(id, accessToken(id, newId('grant')), 600);
      await store.current.passTime(120);
      expect(await accessTokens.find(id)).toMatchObject({ jti: id });
    });
  });
}

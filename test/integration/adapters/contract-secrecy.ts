import { describe, expect, it } from '@jest/globals';
import type { StoreRef } from './contract.js';
import { accessToken, ACCOUNT_ID, authorizationCode, interaction, newId, refreshToken, session } from './payloads.js';

/**
 * DESIGN.md, security baseline: a read-only leak of the store must not hand out live tokens. An
 * opaque token, code or session id is its own lookup key, so it must appear nowhere in the raw data.
 */
export function describeSecrecy(store: StoreRef): void {
  describe('bearer values at rest', () => {
    async function expectNowhereInStore(secrets: string[]): Promise<void> {
      const dump = await store.current.dump();
      // A dump that missed the payloads would pass vacuously; the account id is in every one of them.
      expect(dump.join('\n')).toContain(ACCOUNT_ID);
      for (const secret of secrets) {
        expect(dump.filter((entry) => entry.includes(secret))).toEqual([]);
      }
    }

    it('never stores the id of an access token, authorization code, refresh token or session', async () => {
      const grantId = newId('grant');
      const ids = { AccessToken: newId('at'), AuthorizationCode: newId('code'), RefreshToken: newId('rt'), Session: newId('sess') };
      await store.current.adapter('AccessToken').upsert(ids.AccessToken, accessToken(ids.AccessToken, grantId), 60);
      await store.current.adapter('AuthorizationCode').upsert(ids.AuthorizationCode, authorizationCode(ids.AuthorizationCode, grantId), 60);
      await store.current.adapter('RefreshToken').upsert(ids.RefreshToken, refreshToken(ids.RefreshToken, grantId), 600);
      await store.current.adapter('Session').upsert(ids.Session, session(ids.Session, newId('uid')), 600);
      await store.current.adapter('AuthorizationCode').consume(ids.AuthorizationCode);

      await expectNowhereInStore(Object.values(ids));
      for (const [model, id] of Object.entries(ids)) {
        expect(await store.current.adapter(model).find(id)).toMatchObject({ jti: id });
      }
    });

    it('never stores the session id that oidc-provider copies into an interaction', async () => {
      const [interactionId, sessionId, sessionUid] = [newId('int'), newId('sess'), newId('uid')];
      await store.current.adapter('Interaction').upsert(interactionId, interaction(interactionId, sessionId, sessionUid), 60);
      await expectNowhereInStore([sessionId]);
      expect(await store.current.adapter('Interaction').find(interactionId)).toMatchObject({
        jti: interactionId,
        session: { accountId: ACCOUNT_ID, uid: sessionUid },
      });
    });
  });
}

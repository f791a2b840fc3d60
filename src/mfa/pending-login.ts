import type { AdapterFactory } from '../oidc/adapters/types.js';

/** A sign-in whose password (or existing session) is verified and which now waits for the second factor. */
export interface PendingLogin {
  accountId: string;
  /**
   * What the second step is: a challenge, a TOTP enrollment, a passkey enrollment (a passkey is
   * required and the account has none), showing fresh recovery codes, or the offer to add a passkey
   * once the sign-in is complete (passkey-offer-routes.ts).
   */
  stage: 'challenge' | 'enroll' | 'enroll_passkey' | 'recovery_codes' | 'offer_passkey';
  /** Methods already proven in this sign-in, e.g. ['pwd']. */
  amr: string[];
  /** The acr already earned (the offer stage only: the sign-in is complete but for the offer). */
  acr?: string;
  /** Unix time of the password step; keeps auth_time honest. */
  loginTs: number;
  /** "Remember me" was ticked on the login page; undefined for a step-up inside a session. */
  remember?: boolean;
}

/**
 * Pending second-factor state, per interaction, in the same store as the interaction itself (Redis or
 * SQL) and with the same lifetime, so it works across instances and disappears with the interaction.
 */
export function createPendingLogins(adapterFactory: AdapterFactory, ttlSeconds: number) {
  const adapter = adapterFactory('MfaPendingLogin');
  return {
    save: (uid: string, pending: PendingLogin) => adapter.upsert(uid, { ...pending } as never, ttlSeconds),
    async find(uid: string): Promise<PendingLogin | undefined> {
      const stored = (await adapter.find(uid)) as (PendingLogin & { jti?: string }) | undefined;
      if (!stored?.accountId) return undefined;
      return { accountId: stored.accountId, stage: stored.stage, amr: stored.amr, acr: stored.acr, loginTs: stored.loginTs, remember: stored.remember };
    },
    remove: (uid: string) => adapter.destroy(uid),
  };
}

export type PendingLogins = ReturnType<typeof createPendingLogins>;

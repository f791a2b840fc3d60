import type { AdapterFactory } from '../oidc/adapters/types.js';

/** A sign-in whose password (or existing session) is verified and which now waits for the second factor. */
export interface PendingLogin {
  accountId: string;
  /** What the second step is: a challenge, an enrollment, or showing fresh recovery codes. */
  stage: 'challenge' | 'enroll' | 'recovery_codes';
  /** Methods already proven in this sign-in, e.g. ['pwd']. */
  amr: string[];
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
      return { accountId: stored.accountId, stage: stored.stage, amr: stored.amr, loginTs: stored.loginTs, remember: stored.remember };
    },
    remove: (uid: string) => adapter.destroy(uid),
  };
}

export type PendingLogins = ReturnType<typeof createPendingLogins>;

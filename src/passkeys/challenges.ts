import type { AdapterFactory } from '../oidc/adapters/types.js';
import { epochSeconds, type Clock } from '../shared/clock.js';

/** What a challenge was issued for; a response is checked against the one it was issued for. */
export type CeremonyPurpose = 'register' | 'sign_in' | 'second_factor';

export interface PendingChallenge {
  challenge: string;
  purpose: CeremonyPurpose;
  /** The account it is for (registration, second factor); absent for a discoverable sign-in. */
  accountId?: string;
  /** Unix time after which it is refused, by the injected clock (the store's TTL is only cleanup). */
  expiresAt: number;
}

export type TakenChallenge = { ok: true; pending: PendingChallenge } | { ok: false; reason: 'missing' | 'replayed' | 'expired' | 'wrong_purpose' };

/**
 * WebAuthn challenges, short-lived and single-use, in the interaction store (Redis, or SQL in
 * embedded mode) so any instance can finish a ceremony another began. Each is filed under its
 * binding — the interaction uid or the account session uid — so a response produced for one sign-in
 * or one session cannot finish another; a new challenge for the same binding replaces the old.
 */
export function createChallengeStore(adapterFactory: AdapterFactory, clock: Clock, ttlSeconds: number) {
  const adapter = adapterFactory('PasskeyChallenge');
  return {
    async issue(binding: string, pending: Omit<PendingChallenge, 'expiresAt'>): Promise<void> {
      // Destroy first: the SQL store keeps a consumed mark across upserts of the same id.
      await adapter.destroy(binding);
      await adapter.upsert(binding, { ...pending, expiresAt: epochSeconds(clock) + ttlSeconds } as never, ttlSeconds);
    },
    /**
     * Takes the challenge once: the atomic consume makes exactly one of two concurrent takers win.
     * The record stays (consumed) until it expires, so a replay reads "replayed", not "missing".
     */
    async take(binding: string, purpose: CeremonyPurpose): Promise<TakenChallenge> {
      const stored = (await adapter.find(binding)) as (PendingChallenge & { consumed?: number }) | undefined;
      if (!stored?.challenge) return { ok: false, reason: 'missing' };
      if (stored.consumed) return { ok: false, reason: 'replayed' };
      try {
        await adapter.consume(binding);
      } catch {
        return { ok: false, reason: 'replayed' };
      }
      if (stored.purpose !== purpose) return { ok: false, reason: 'wrong_purpose' };
      if (epochSeconds(clock) > stored.expiresAt) return { ok: false, reason: 'expired' };
      return { ok: true, pending: { challenge: stored.challenge, purpose: stored.purpose, accountId: stored.accountId, expiresAt: stored.expiresAt } };
    },
  };
}

export type ChallengeStore = ReturnType<typeof createChallengeStore>;

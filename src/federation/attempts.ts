import type { AdapterFactory } from '../oidc/adapters/types.js';
import type { UpstreamChecks, UpstreamProfile } from './upstream.js';

/** An authorization request sent upstream, found again by its state at the callback (single use). */
export interface Attempt {
  connectionId: string;
  checks: UpstreamChecks;
  /** A sign-in within interaction `uid`, or linking from the account page to `accountId`. */
  purpose: 'login' | 'link';
  interactionUid?: string;
  accountId?: string;
  clientId?: string;
}

/** What the callback established, waiting for the interaction page to finish the login. */
export type Outcome =
  | { kind: 'account'; connectionId: string; accountId: string; amr: string[]; acr?: string }
  | { kind: 'link_required'; connectionId: string; accountId: string; email: string; profile: UpstreamProfile }
  /** The password was proven; the link is stored once the local second factor is too (linking.ts). */
  | { kind: 'link_after_mfa'; connectionId: string; accountId: string; profile: UpstreamProfile };

/** Both live in the interaction store (Redis or SQL), across instances, and expire on their own. */
export function createFederationStores(adapterFactory: AdapterFactory, ttlSeconds: number) {
  const attempts = adapterFactory('FederationAttempt');
  const outcomes = adapterFactory('FederationOutcome');
  const strip = <T>(stored: unknown) => {
    if (!stored) return undefined;
    const { jti: _jti, ...rest } = stored as Record<string, unknown>;
    return rest as T;
  };
  return {
    saveAttempt: (state: string, attempt: Attempt) => attempts.upsert(state, { ...attempt } as never, ttlSeconds),
    /** Finds and removes: a state is good for one callback only. */
    async takeAttempt(state: string): Promise<Attempt | undefined> {
      const attempt = strip<Attempt>(await attempts.find(state));
      if (attempt) await attempts.destroy(state);
      return attempt?.connectionId ? attempt : undefined;
    },
    saveOutcome: (uid: string, outcome: Outcome) => outcomes.upsert(uid, { ...outcome } as never, ttlSeconds),
    findOutcome: async (uid: string) => {
      const outcome = strip<Outcome>(await outcomes.find(uid));
      return outcome?.kind ? outcome : undefined;
    },
    removeOutcome: (uid: string) => outcomes.destroy(uid),
  };
}

export type FederationStores = ReturnType<typeof createFederationStores>;

/**
 * The rules of passkeys that need no I/O (unit-tested in test/unit/passkeys/policy.test.ts).
 */

/**
 * OpenID PAPE's phishing-resistant policy URI: the acr a relying party asks for (acr_values) to get a
 * sign-in no phishing site could have relayed. Only a passkey (origin-bound signature) satisfies it.
 */
export const ACR_PHISHING_RESISTANT = 'http://schemas.openid.net/pape/policies/2007/06/phishing-resistant';

/** How long a ceremony may take, and how long its challenge lives (WebAuthn's recommended range). */
export const CEREMONY_TIMEOUT_SECONDS = 300;

/** A name is for the person's own list; limited so a page never has to show an essay. */
export const MAX_PASSKEY_NAME_LENGTH = 64;

export type CounterVerdict = 'ok' | 'possible_clone';

/**
 * WebAuthn §6.1.1 (signature counter): a counter that does not move forward means two copies of the
 * key may exist. Counters of 0 on both sides mean the authenticator keeps none (most synced passkeys).
 * A synced (backed-up) credential lives on several devices, whose counters may disagree: never a clone
 * signal there. A device-bound one going backwards (or standing still) is refused.
 */
export function counterVerdict(stored: number, received: number, backedUp: boolean): CounterVerdict {
  if (stored === 0 && received === 0) return 'ok';
  if (received > stored) return 'ok';
  return backedUp ? 'ok' : 'possible_clone';
}

/**
 * RFC 8176 method references for a passkey sign-in: `hwk` for a key held by one device (not backup
 * eligible), `swk` for a synced one; `user` once the authenticator tested that a person was there
 * (user presence, always on in our ceremonies); `mfa` when it also verified who (PIN or biometrics):
 * something held plus something known or been.
 */
export function passkeyAmr(deviceType: 'singleDevice' | 'multiDevice', userVerified: boolean): string[] {
  return [deviceType === 'singleDevice' ? 'hwk' : 'swk', 'user', ...(userVerified ? ['mfa'] : [])];
}

export interface WaysIn {
  hasPassword: boolean;
  passkeys: number;
  /** Upstream identities (federation) that sign this account in. */
  linkedIdentities: number;
}

/** Whether removing one passkey leaves the account another way to sign in. */
export function canRemovePasskey(ways: WaysIn): boolean {
  return ways.hasPassword || ways.linkedIdentities > 0 || ways.passkeys > 1;
}

/** Whether unlinking `unlinking` upstream identities leaves the account another way to sign in. */
export function canUnlinkIdentities(ways: WaysIn, unlinking: number): boolean {
  return ways.hasPassword || ways.passkeys > 0 || ways.linkedIdentities > unlinking;
}

/** A name for a new passkey: the person's, trimmed, or the authenticator's, or a plain default. */
export function passkeyName(typed: string | undefined, authenticator: string | undefined): string {
  const name = (typed ?? '').trim().slice(0, MAX_PASSKEY_NAME_LENGTH);
  return name || authenticator || 'Passkey';
}

/** Whether the sign-in's offer to add a passkey is due: never "Not now", or its wait is over. */
export function passkeyOfferDue(snoozedUntil: Date | undefined, now: Date): boolean {
  return !snoozedUntil || snoozedUntil.getTime() <= now.getTime();
}

/** Until when "Not now" holds the offer back. */
export const offerSnoozedUntil = (now: Date, days: number): Date => new Date(now.getTime() + days * 86_400_000);

export interface PasswordlessReadiness {
  passkeys: number;
  /** Unused recovery codes: the way back in when every passkey is lost. */
  recoveryCodes: number;
}

/**
 * Whether an account may drop its password: it must keep a way in (a passkey) and a way back when
 * that is lost (recovery codes, which lead to a reset of the factors; docs/passkeys.md).
 */
export function canRemovePassword(ready: PasswordlessReadiness): boolean {
  return ready.passkeys > 0 && ready.recoveryCodes > 0;
}

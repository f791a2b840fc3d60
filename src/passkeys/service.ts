import { randomBytes } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { AppError } from '../errors/app-error.js';
import type { Clock } from '../shared/clock.js';
import { newUuid } from '../shared/ids.js';
import { authenticatorName } from './authenticators.js';
import type { CeremonyPurpose, ChallengeStore } from './challenges.js';
import { parseAuthenticationResponse, parseRegistrationResponse } from './responses.js';
import { CEREMONY_TIMEOUT_SECONDS, canRemovePasskey, counterVerdict, offerSnoozedUntil, passkeyAmr, passkeyName, passkeyOfferDue, type WaysIn } from './policy.js';
import type { PasskeyQueries, PasskeyRow } from './queries.js';

/** Why a ceremony was refused: stable codes for audit details and tests, never shown raw to people. */
export type RefusalReason =
  | 'malformed_response'
  | 'missing' | 'replayed' | 'expired' | 'wrong_purpose'
  | 'verification_failed'
  | 'unknown_credential'
  | 'other_account'
  | 'possible_clone'
  | 'duplicate_credential';

export type Refusal = { ok: false; reason: RefusalReason; accountId?: string; passkeyId?: string };

export interface PasskeySummary {
  id: string;
  name: string;
  authenticator: string | undefined;
  synced: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface VerifiedUse {
  ok: true;
  accountId: string;
  passkey: PasskeySummary;
  userVerified: boolean;
  /** RFC 8176 values this use proves (policy.ts). */
  amr: string[];
}

export interface PasskeyServiceDeps {
  queries: PasskeyQueries;
  challenges: ChallengeStore;
  clock: Clock;
  /** ISSUER: the relying party is its host name, and responses must come from its origin. */
  issuer: string;
  productName: string;
}

export const summarize = (row: PasskeyRow): PasskeySummary => ({
  id: row.id,
  name: row.name,
  authenticator: authenticatorName(row.aaguid),
  synced: row.device_type === 'multiDevice',
  createdAt: new Date(row.created_at),
  lastUsedAt: row.last_used_at ? new Date(row.last_used_at) : null,
});

const transportsOf = (row: PasskeyRow) => (row.transports ? row.transports.split(' ') : []) as never[];

/**
 * Registration and authentication ceremonies over @simplewebauthn/server, which does every piece of
 * CBOR, COSE and attestation parsing; this file decides what is stored and what is refused.
 */
export function createPasskeyService(deps: PasskeyServiceDeps) {
  const { queries, challenges, clock } = deps;
  const issuer = new URL(deps.issuer);
  const rpID = issuer.hostname;
  const expectedOrigin = issuer.origin;
  const timeout = CEREMONY_TIMEOUT_SECONDS * 1000;

  /** The account's random WebAuthn user handle (64 random bits would do; 32 bytes cost nothing). */
  const userHandleOf = async (accountId: string) =>
    (await queries.findUserHandle(accountId)) ?? (await queries.ensureUserHandle(accountId, randomBytes(32).toString('base64url')));

  return {
    rpID,
    expectedOrigin,

    async list(accountId: string): Promise<PasskeySummary[]> {
      return (await queries.listPasskeysOfAccount(accountId)).map(summarize);
    },

    count: (accountId: string) => queries.countPasskeysOfAccount(accountId),

    /** Options for navigator.credentials.create(): a discoverable credential, its challenge bound to `binding`. */
    async registrationOptions(account: { id: string; email: string }, binding: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
      const existing = await queries.listPasskeysOfAccount(account.id);
      const options = await generateRegistrationOptions({
        rpName: deps.productName,
        rpID,
        userName: account.email,
        userID: Buffer.from(await userHandleOf(account.id), 'base64url'),
        timeout,
        attestationType: 'none',
        excludeCredentials: existing.map((row) => ({ id: row.credential_id, transports: transportsOf(row) })),
        authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
      });
      await challenges.issue(binding, { challenge: options.challenge, purpose: 'register', accountId: account.id });
      return options;
    },

    /** Verifies a registration response and stores the credential's public key. */
    async register(accountId: string, binding: string, responseText: string, typedName?: string): Promise<{ ok: true; passkey: PasskeySummary } | Refusal> {
      const response = parseRegistrationResponse(responseText);
      if (!response) return { ok: false, reason: 'malformed_response', accountId };
      const taken = await challenges.take(binding, 'register');
      if (!taken.ok) return { ok: false, reason: taken.reason, accountId };
      if (taken.pending.accountId !== accountId) return { ok: false, reason: 'other_account', accountId };
      const verified = await verifyRegistration(response, taken.pending.challenge);
      if (!verified?.verified) return { ok: false, reason: 'verification_failed', accountId };
      const info = verified.registrationInfo;
      const row = {
        id: newUuid(),
        account_id: accountId,
        credential_id: info.credential.id,
        public_key: Buffer.from(info.credential.publicKey).toString('base64url'),
        sign_count: info.credential.counter,
        transports: (info.credential.transports ?? response.response.transports ?? []).join(' '),
        aaguid: info.aaguid,
        device_type: info.credentialDeviceType,
        backed_up: info.credentialBackedUp,
        name: passkeyName(typedName, authenticatorName(info.aaguid)),
      };
      if (!(await queries.insertPasskey(row, clock.now()))) return { ok: false, reason: 'duplicate_credential', accountId };
      return { ok: true, passkey: summarize({ ...row, created_at: clock.now(), last_used_at: null }) };
    },

    /**
     * Options for navigator.credentials.get(). Without an account (the login page) the list of
     * credentials stays empty: the browser offers the discoverable ones, and the page reveals nothing.
     */
    async authenticationOptions(binding: string, purpose: Exclude<CeremonyPurpose, 'register'>, accountId?: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
      const allowed = accountId ? await queries.listPasskeysOfAccount(accountId) : [];
      const options = await generateAuthenticationOptions({
        rpID,
        timeout,
        allowCredentials: allowed.map((row) => ({ id: row.credential_id, transports: transportsOf(row) })),
        // A passkey alone must prove both factors; as a second factor, presence on top of the password is enough.
        userVerification: purpose === 'sign_in' ? 'required' : 'preferred',
      });
      await challenges.issue(binding, { challenge: options.challenge, purpose, accountId });
      return options;
    },

    /**
     * Verifies an assertion: the challenge of `binding`, the origin and RP ID of ISSUER, the signature,
     * the counter, and — for a second factor — that the credential belongs to the account signing in.
     */
    async authenticate(binding: string, purpose: Exclude<CeremonyPurpose, 'register'>, responseText: string): Promise<VerifiedUse | Refusal> {
      const response = parseAuthenticationResponse(responseText);
      if (!response) return { ok: false, reason: 'malformed_response' };
      const taken = await challenges.take(binding, purpose);
      if (!taken.ok) return { ok: false, reason: taken.reason };
      const expectedAccount = taken.pending.accountId;
      const row = await queries.findPasskeyByCredentialId(response.id);
      if (!row) return { ok: false, reason: 'unknown_credential', accountId: expectedAccount };
      if (expectedAccount && row.account_id !== expectedAccount) return { ok: false, reason: 'other_account', accountId: expectedAccount };
      // A discoverable credential names its account by the user handle: it must be this credential's.
      if (response.response.userHandle && response.response.userHandle !== (await queries.findUserHandle(row.account_id))) {
        return { ok: false, reason: 'other_account', accountId: row.account_id };
      }
      const stored = Number(row.sign_count);
      const verified = await verifyAuthentication(response, taken.pending.challenge, {
        id: row.credential_id,
        publicKey: new Uint8Array(Buffer.from(row.public_key, 'base64url')),
        // The counter is judged below (policy.counterVerdict), where a synced credential is told apart.
        counter: 0,
        transports: transportsOf(row),
      }, purpose === 'sign_in');
      if (!verified?.verified) return { ok: false, reason: 'verification_failed', accountId: row.account_id, passkeyId: row.id };
      const info = verified.authenticationInfo;
      const strict = !(info.credentialBackedUp || row.device_type === 'multiDevice');
      if (counterVerdict(stored, info.newCounter, !strict) === 'possible_clone') {
        return { ok: false, reason: 'possible_clone', accountId: row.account_id, passkeyId: row.id };
      }
      const updated = await queries.recordPasskeyUse(row.id, { signCount: info.newCounter, backedUp: info.credentialBackedUp, at: clock.now(), strict });
      // Zero rows: a concurrent use with the same counter got there first.
      if (updated !== 1) return { ok: false, reason: 'possible_clone', accountId: row.account_id, passkeyId: row.id };
      return {
        ok: true,
        accountId: row.account_id,
        passkey: summarize({ ...row, last_used_at: clock.now() }),
        userVerified: info.userVerified,
        amr: passkeyAmr(row.device_type, info.userVerified),
      };
    },

    async rename(accountId: string, id: string, name: string): Promise<PasskeySummary> {
      const trimmed = name.trim();
      if (!trimmed) throw new AppError('VALIDATION_FAILED', 400, 'Enter a name for the passkey.', { details: { field: 'name' } });
      if ((await queries.renamePasskey(accountId, id, passkeyName(trimmed, undefined))) !== 1) throw notFound();
      return summarize((await queries.findPasskeyOfAccount(accountId, id))!);
    },

    /** Removes one passkey unless it is the account's last way in (policy.canRemovePasskey). */
    async remove(accountId: string, id: string, ways: Omit<WaysIn, 'passkeys'>): Promise<PasskeySummary> {
      const row = await queries.findPasskeyOfAccount(accountId, id);
      if (!row) throw notFound();
      if (!canRemovePasskey({ ...ways, passkeys: await queries.countPasskeysOfAccount(accountId) })) {
        throw new AppError('LAST_WAY_IN', 409, 'This passkey is the only way to sign in to this account. Add another way in first.');
      }
      await queries.deletePasskey(accountId, id);
      return summarize(row);
    },

    /** Whether a sign-in should offer this account to add a passkey: it has none, and no "Not now" holds. */
    async offerDue(accountId: string): Promise<boolean> {
      const state = await queries.findOfferState(accountId);
      return !state.hasPasskey && passkeyOfferDue(state.snoozedUntil, clock.now());
    },

    /** "Not now": the offer waits `days` days for this account. */
    async snoozeOffer(accountId: string, days: number): Promise<Date> {
      const until = offerSnoozedUntil(clock.now(), days);
      await queries.snoozeOffer(accountId, until);
      return until;
    },

    /** Every passkey of the account goes (a reset that first proved the address, an operator). */
    removeAll: (accountId: string) => queries.deletePasskeysOfAccount(accountId),
  };

  async function verifyRegistration(response: RegistrationResponseJSON, challenge: string) {
    try {
      return await verifyRegistrationResponse({ response, expectedChallenge: challenge, expectedOrigin, expectedRPID: rpID, requireUserVerification: false });
    } catch {
      // The library throws for every malformed or mismatching response (origin, RP ID, challenge, CBOR).
      return undefined;
    }
  }

  async function verifyAuthentication(response: AuthenticationResponseJSON, challenge: string, credential: Parameters<typeof verifyAuthenticationResponse>[0]['credential'], requireUserVerification: boolean) {
    try {
      return await verifyAuthenticationResponse({ response, expectedChallenge: challenge, expectedOrigin, expectedRPID: rpID, credential, requireUserVerification });
    } catch {
      return undefined;
    }
  }
}

const notFound = () => new AppError('NOT_FOUND', 404, 'No such passkey.');

export type PasskeyService = ReturnType<typeof createPasskeyService>;

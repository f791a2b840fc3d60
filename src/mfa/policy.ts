import type { ClientService } from '../clients/service.js';
import { ACR_PHISHING_RESISTANT } from '../passkeys/policy.js';
import type { MfaService } from './service.js';

/** Authentication context classes this server can satisfy (advertised in discovery). */
export const ACR_PASSWORD = 'urn:idp:acr:pwd';
/** The PAPE multi-factor URI: the value relying parties (and Auth0's) already use to ask for MFA. */
export const ACR_MFA = 'http://schemas.openid.net/pape/policies/2007/06/multi-factor';
/** PAPE's phishing-resistant URI: satisfied only by a passkey (docs/passkeys.md). */
export { ACR_PHISHING_RESISTANT } from '../passkeys/policy.js';
export const SUPPORTED_ACR_VALUES = [ACR_PASSWORD, ACR_MFA, ACR_PHISHING_RESISTANT];

/** RFC 8176 values a passkey proves (src/passkeys/policy.ts passkeyAmr): proof of a hardware or software key. */
export const PASSKEY_AMR = ['hwk', 'swk'];

/** Whether a sign-in's methods (amr) include a passkey. */
export const usedPasskey = (amr: readonly string[] | undefined): boolean => (amr ?? []).some((method) => PASSKEY_AMR.includes(method));

/**
 * Whether a sign-in made at `loginTs` (epoch seconds; undefined: unknown) is within `windowSeconds`
 * (RECENT_LOGIN_SECONDS) of `nowSeconds`. A step-up does not renew loginTs, so it does not make a sign-in recent.
 */
export const signedInWithin = (loginTs: number | undefined, nowSeconds: number, windowSeconds: number): boolean =>
  loginTs !== undefined && nowSeconds - loginTs <= windowSeconds;

/** Whether the request's acr_values ask for a phishing-resistant sign-in. */
export const requestsPhishingResistant = (acrValues: unknown): boolean =>
  typeof acrValues === 'string' && acrValues.split(' ').includes(ACR_PHISHING_RESISTANT);

/** RFC 8176 method references. Recovery codes have no registered value; `rc` is ours, documented. */
export const AMR = { password: 'pwd', otp: 'otp', multiFactor: 'mfa', recoveryCode: 'rc' } as const;

/**
 * What the second step of a sign-in is: nothing, a challenge (the account has a factor), TOTP
 * enrollment (a factor is required and the account has none), or passkey enrollment (a passkey is
 * required and the account has no factor at all: TOTP would not satisfy it).
 */
export type MfaRequirement = 'none' | 'challenge' | 'enroll' | 'enroll_passkey';

/** The pending-login stage a requirement starts (pending-login.ts). */
export const stageFor = (requirement: Exclude<MfaRequirement, 'none'>) => (requirement === 'challenge' ? 'challenge' : requirement);

export interface MfaPolicyDeps {
  mfa: Pick<MfaService, 'hasFactor'>;
  clients: Pick<ClientService, 'findClient'>;
  /** Whether any group the account belongs to (directly or through nesting) requires MFA. */
  groupsRequireMfa?: (accountId: string) => Promise<boolean>;
  /** Whether any group the account belongs to requires a passkey sign-in. */
  groupsRequirePhishingResistant?: (accountId: string) => Promise<boolean>;
  /** Whether the account has a passkey: a second factor like TOTP (src/passkeys). */
  hasPasskey?: (accountId: string) => Promise<boolean>;
}

/**
 * Decides whether a sign-in needs a second factor: always when the account has one; when the client
 * requires MFA of everyone; when a group of the account does; when the request asks for it through
 * acr_values (step-up). Required without a factor means enrollment before the login completes.
 *
 * A phishing-resistant sign-in (a passkey) is demanded by acr_values, by the client's or by a group's
 * require_phishing_resistant flag, and all three mean the same: the sign-in must end with a passkey.
 */
export function createMfaPolicy(deps: MfaPolicyDeps) {
  const findClient = async (clientId: string | undefined) => (clientId ? deps.clients.findClient(clientId) : undefined);

  /** phishingResistantRequired for a client already loaded, so requirement() reads it once. */
  async function demandedFor(accountId: string, client: { require_phishing_resistant?: boolean } | undefined, acrValues?: string): Promise<boolean> {
    if (requestsPhishingResistant(acrValues) || client?.require_phishing_resistant) return true;
    return (await deps.groupsRequirePhishingResistant?.(accountId)) === true;
  }

  const phishingResistantRequired = async (accountId: string, clientId: string | undefined, acrValues?: string): Promise<boolean> =>
    requestsPhishingResistant(acrValues) || demandedFor(accountId, await findClient(clientId), acrValues);

  /**
   * What a demanded passkey means for this sign-in: 'none' (not demanded), 'use' (demanded; the account
   * has one, or passkeys are off), 'enroll' (demanded and the account has none yet). One call where the
   * MFA step needs both answers.
   */
  async function passkeyDemand(accountId: string, clientId: string | undefined, acrValues?: string): Promise<'none' | 'use' | 'enroll'> {
    if (!(await phishingResistantRequired(accountId, clientId, acrValues))) return 'none';
    return deps.hasPasskey && !(await deps.hasPasskey(accountId)) ? 'enroll' : 'use';
  }

  /**
   * The requirement, and whether it read the account's passkeys on the way: `hasPasskey` is undefined
   * when a TOTP factor settled it first (or passkeys are off).
   */
  async function assess(accountId: string, clientId: string | undefined, acrValues?: string): Promise<{ requirement: MfaRequirement; hasPasskey?: boolean }> {
    if (await deps.mfa.hasFactor(accountId)) return { requirement: 'challenge' };
    const hasPasskey = await deps.hasPasskey?.(accountId);
    if (hasPasskey === true) return { requirement: 'challenge', hasPasskey };
    const client = await findClient(clientId);
    if (deps.hasPasskey && (await demandedFor(accountId, client, acrValues))) return { requirement: 'enroll_passkey', hasPasskey };
    const requested = (acrValues ?? '').split(' ').some((value) => value === ACR_MFA || value === ACR_PHISHING_RESISTANT);
    const required = requested || Boolean(client?.require_mfa) || (await deps.groupsRequireMfa?.(accountId)) === true;
    return { requirement: required ? 'enroll' : 'none', hasPasskey };
  }

  return {
    phishingResistantRequired,
    passkeyDemand,

    requirement: async (accountId: string, clientId: string | undefined, acrValues?: string): Promise<MfaRequirement> =>
      (await assess(accountId, clientId, acrValues)).requirement,

    /**
     * For a step-up: the requirement, and whether the sign-in enrolls a new factor, which includes a
     * passkey it must still add (demanded, and the account has none; it may have TOTP, which leads
     * there once proven; see mfa-routes.ts). The account's passkeys are counted once.
     */
    async stepUp(accountId: string, clientId: string | undefined, acrValues?: string): Promise<{ requirement: MfaRequirement; enrolls: boolean }> {
      const { requirement, hasPasskey } = await assess(accountId, clientId, acrValues);
      if (requirement === 'enroll' || requirement === 'enroll_passkey') return { requirement, enrolls: true };
      // Known passkeys settle it: with one, nothing to add; with none and no requirement, none was demanded.
      if (hasPasskey !== undefined) return { requirement, enrolls: false };
      return { requirement, enrolls: (await passkeyDemand(accountId, clientId, acrValues)) === 'enroll' };
    },
  };
}

export type MfaPolicy = ReturnType<typeof createMfaPolicy>;

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

/** Whether the request's acr_values ask for a phishing-resistant sign-in. */
export const requestsPhishingResistant = (acrValues: unknown): boolean =>
  typeof acrValues === 'string' && acrValues.split(' ').includes(ACR_PHISHING_RESISTANT);

/** RFC 8176 method references. Recovery codes have no registered value; `rc` is ours, documented. */
export const AMR = { password: 'pwd', otp: 'otp', multiFactor: 'mfa', recoveryCode: 'rc' } as const;

export type MfaRequirement = 'none' | 'challenge' | 'enroll';

export interface MfaPolicyDeps {
  mfa: MfaService;
  clients: ClientService;
  /** Whether any group the account belongs to (directly or through nesting) requires MFA. */
  groupsRequireMfa?: (accountId: string) => Promise<boolean>;
  /** Whether the account has a passkey: a second factor like TOTP (src/passkeys). */
  hasPasskey?: (accountId: string) => Promise<boolean>;
}

/**
 * Decides whether a sign-in needs a second factor: always when the account has one; when the client
 * requires MFA of everyone; when a group of the account does; when the request asks for it through
 * acr_values (step-up). Required without a factor means enrollment before the login completes.
 */
export function createMfaPolicy(deps: MfaPolicyDeps) {
  return {
    async requirement(accountId: string, clientId: string | undefined, acrValues?: string): Promise<MfaRequirement> {
      const enrolled = (await deps.mfa.hasFactor(accountId)) || (await deps.hasPasskey?.(accountId)) === true;
      if (enrolled) return 'challenge';
      const requested = (acrValues ?? '').split(' ').some((value) => value === ACR_MFA || value === ACR_PHISHING_RESISTANT);
      const client = clientId ? await deps.clients.findClient(clientId) : undefined;
      const required = requested || Boolean(client?.require_mfa) || (await deps.groupsRequireMfa?.(accountId)) === true;
      return required ? 'enroll' : 'none';
    },
  };
}

export type MfaPolicy = ReturnType<typeof createMfaPolicy>;

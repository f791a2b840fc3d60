import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import type { AccountService } from '../accounts/service.js';
import { AMR, usedPasskey, type MfaPolicy } from '../mfa/policy.js';
import { resourceConsentCheck } from './resource-consent.js';
import { verifiedEmailCheck } from './verified-email.js';

const { Check, base } = interactionPolicy;

/** The reason that asks only for the second factor, inside a session whose password step is done. */
export const MFA_REQUIRED = 'mfa_required';

/**
 * oidc-provider's default prompts, with two more login checks: a verified email where the client
 * requires one (verified-email.ts), and a session whose sign-in did not
 * include a second factor must step up when the account, the client, a group or acr_values call for
 * one. This is what stops an existing password-only SSO session (or prompt=none) from reaching an
 * MFA-protected client. Consent also asks for an API requested with no scope (resource-consent.ts).
 */
export function buildInteractionPolicy(deps: { mfaPolicy: MfaPolicy; accounts: AccountService }, extraLoginChecks: InstanceType<typeof Check>[] = []) {
  const { mfaPolicy } = deps;
  const policy = base();
  const login = policy.get('login')!;
  login.checks.add(verifiedEmailCheck(deps.accounts));
  login.checks.add(
    new Check(MFA_REQUIRED, 'multi-factor authentication is required', 'interaction_required', async (ctx: KoaContextWithOIDC) => {
      const { session, params, client } = ctx.oidc;
      // oidc-provider runs the login checks side by side, and another one (a disabled account) may end the
      // session while this one awaits: read the account once, before the first await.
      const accountId = session?.accountId;
      if (!session || !accountId) return Check.NO_NEED_TO_PROMPT;
      const amr = (session as unknown as { amr?: string[] }).amr ?? [];
      // Phishing resistance demanded (acr_values, the client or a group): only a passkey in this session's sign-in will do.
      const phishingResistant = usedPasskey(amr);
      if (!phishingResistant && (await mfaPolicy.phishingResistantRequired(accountId, client?.clientId, params?.acr_values as string | undefined))) {
        return Check.REQUEST_PROMPT;
      }
      if (amr.includes(AMR.multiFactor)) return Check.NO_NEED_TO_PROMPT;
      const requirement = await mfaPolicy.requirement(accountId, client?.clientId, params?.acr_values as string | undefined);
      return requirement === 'none' ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
    }),
  );
  for (const check of extraLoginChecks) login.checks.add(check);
  policy.get('consent')!.checks.add(resourceConsentCheck());
  return policy;
}

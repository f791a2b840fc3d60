import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import type { AccountService } from '../accounts/service.js';

/** The interaction reason shown when a client needs a verified address the account lacks. */
export const EMAIL_NOT_VERIFIED = 'email_not_verified';

/** Client metadata (set at registration) by which a client asks for verified addresses only. */
export const REQUIRE_VERIFIED_EMAIL = 'require_verified_email';

/**
 * A login check: a client registered with `require_verified_email` gets no authorization (new sign-in
 * or SSO alike) until the account's address is verified. The login prompt stays open with this reason;
 * the hosted page asks the person to open the mailed link and then continue.
 */
export function verifiedEmailCheck(accounts: AccountService): interactionPolicy.Check {
  return new interactionPolicy.Check(EMAIL_NOT_VERIFIED, 'the client requires a verified email address', 'login_required', async (ctx: KoaContextWithOIDC) => {
      const accountId = ctx.oidc.session?.accountId;
      if (!accountId || (ctx.oidc.client as unknown as Record<string, unknown> | undefined)?.[REQUIRE_VERIFIED_EMAIL] !== true) {
        return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      }
      const account = await accounts.findById(accountId);
      return account && !account.email_verified ? interactionPolicy.Check.REQUEST_PROMPT : interactionPolicy.Check.NO_NEED_TO_PROMPT;
    });
}

export const extraClientMetadata = {
  properties: [REQUIRE_VERIFIED_EMAIL],
  validator(_ctx: unknown, key: string, value: unknown) {
    if (key === REQUIRE_VERIFIED_EMAIL && value !== undefined && typeof value !== 'boolean') {
      throw new TypeError(`${REQUIRE_VERIFIED_EMAIL} must be a boolean`);
    }
  },
};

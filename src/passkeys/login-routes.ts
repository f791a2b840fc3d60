import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { AppError } from '../errors/app-error.js';
import { requireCsrf } from '../http/csrf.js';
import { requestOriginOf } from '../http/request-context.js';
import { parseInput } from '../http/validate.js';
import { tooManyAttempts, type Interaction, type InteractionDeps, type InteractionSteps } from '../interactions/steps.js';
import { recordPasskeyRefusal } from './interaction-audit.js';
import { ACR_PHISHING_RESISTANT } from './policy.js';
import type { Text } from '../i18n/catalogs.js';

const passkeyForm = z.object({ csrf: z.string().max(256), response: z.string().max(16_000) });

/** One answer for every refusal, as on the password form: the reason is in the event log only. */
export const PASSKEY_SIGN_IN_FAILED = 'That passkey could not sign you in. Try again, or sign in with your password.';

/** The throttle key of passkey sign-ins before the account is known: per client address (login-protection.ts). */
const SIGN_IN_KEY = 'passkey-sign-in';

/**
 * "Sign in with a passkey" and the email field's autofill on the login page: a discoverable
 * credential with user verification, its challenge bound to this interaction. A verified passkey is
 * both factors and phishing-resistant (amr hwk/swk, user, mfa; acr PAPE phishing-resistant).
 */
export function createPasskeyLogin(deps: InteractionDeps, steps: InteractionSteps, renderLogin: (ctx: Context, interaction: Interaction, extra: { error?: Text; passkeyAutofill?: boolean }) => Promise<void>) {
  const binding = (interaction: Interaction) => `login:${interaction.uid}`;
  return {
    /** The login page's passkey block: fresh options for each render (the page's one live challenge). */
    async ceremony(interaction: Interaction) {
      if (!deps.passkeys) return undefined;
      const options = await deps.passkeys.authenticationOptions(binding(interaction), 'sign_in');
      return { options: JSON.stringify(options), action: `/interaction/${interaction.uid}/passkey` };
    },

    mount(router: Router) {
      router.post('/:uid/passkey', steps.forms, requireCsrf(), async (ctx) => {
        const interaction = await steps.load(ctx, 'login');
        const form = parseInput(passkeyForm, ctx.request.body);
        if (!deps.passkeys) throw new AppError('NOT_FOUND', 404, 'Not found.');
        const clientId = String(interaction.params.client_id);
        const origin = requestOriginOf(ctx.req);
        const decision = await deps.loginProtection.beforeAttempt(ctx.ip, SIGN_IN_KEY);
        if (!decision.allowed) {
          await deps.audit.record({ type: 'passkey.failed', outcome: 'failure', clientId, origin, detail: { stage: 'sign_in', reason: 'throttled', retryAfter: decision.retryAfter } });
          ctx.status = 429;
          ctx.set('Retry-After', String(decision.retryAfter));
          return renderLogin(ctx, interaction, { error: tooManyAttempts(decision.retryAfter), passkeyAutofill: false });
        }
        const result = await deps.passkeys.authenticate(binding(interaction), 'sign_in', form.response);
        const account = result.ok ? await deps.accounts.findById(result.accountId) : undefined;
        if (!result.ok || !account || account.status !== 'active') {
          await deps.loginProtection.recordFailure(SIGN_IN_KEY, ctx.ip);
          if (!result.ok) await recordPasskeyRefusal(deps, ctx, result, 'sign_in', clientId);
          else await deps.audit.record({ type: 'login.failed', outcome: 'failure', accountId: result.accountId, clientId, origin, detail: { reason: 'disabled', method: 'passkey' } });
          ctx.status = 401;
          return renderLogin(ctx, interaction, { error: PASSKEY_SIGN_IN_FAILED, passkeyAutofill: false });
        }
        await deps.audit.record({ type: 'passkey.used', accountId: account.id, clientId, origin, detail: { passkeyId: result.passkey.id, stage: 'sign_in', userVerified: result.userVerified } });
        await deps.afterSecondFactor?.(ctx, interaction, account.id);
        return steps.completeLogin(ctx, interaction, { accountId: account.id, amr: result.amr, acr: ACR_PHISHING_RESISTANT });
      });
    },
  };
}

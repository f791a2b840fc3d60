import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { requireCsrf } from '../http/csrf.js';
import { requestOriginOf } from '../http/request-context.js';
import { parseInput } from '../http/validate.js';
import type { PendingLogin } from '../mfa/pending-login.js';
import type { Text } from '../i18n/catalogs.js';
import { mfaStepInvalid, tooManyAttempts, type Interaction, type InteractionDeps, type InteractionSteps } from '../interactions/steps.js';
import { useSavedLocale } from '../i18n/request-locale.js';

// The browser's WebAuthn answer as JSON; the form body cap bounds it, src/passkeys/responses.ts checks it.
const finishForm = z.object({ csrf: z.string().max(256), response: z.string().max(16_000) });
/** "Not now" (the person) or "unsupported" (passkeys.js, when the browser has no WebAuthn): only the first waits PASSKEY_OFFER_DAYS. */
const skipForm = z.object({ csrf: z.string().max(256), reason: z.enum(['later', 'unsupported']).default('later') });

const REGISTRATION_REFUSED = 'passkey-enroll.refused';

type EnrollStage = Extract<PendingLogin['stage'], 'enroll_passkey' | 'offer_passkey'>;

/**
 * Adding a passkey inside a sign-in, in two cases: the sign-in demands one and the account has none
 * (stage `enroll_passkey`), and the offer after a complete sign-in (stage `offer_passkey`, skippable).
 * Either way the new passkey is then used on the challenge page: the registration itself is no factor,
 * and skipping is none either. The same ceremony as the account page: a challenge bound to this
 * interaction, the MFA throttles, the same events and mail.
 */
export function createPasskeyEnrollment(deps: InteractionDeps, steps: InteractionSteps) {
  const binding = (interaction: Interaction) => `enroll:${interaction.uid}`;

  async function pendingIn(interaction: Interaction, stages: EnrollStage[]): Promise<PendingLogin> {
    const pending = await deps.pendingLogins.find(interaction.uid);
    if (!pending || !(stages as string[]).includes(pending.stage) || !deps.passkeys || !deps.passkeyChanges) {
      throw mfaStepInvalid();
    }
    return pending;
  }

  async function render(ctx: Context, interaction: Interaction, pending: PendingLogin, error?: Text) {
    const account = await deps.accounts.findById(pending.accountId);
    if (!account) throw mfaStepInvalid();
    useSavedLocale(account.locale);
    const options = await deps.passkeys!.registrationOptions(account, binding(interaction));
    const client = await steps.clientOf(interaction);
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    ctx.body = deps.render('passkey-enroll', {
      clientName: client.name,
      offer: pending.stage === 'offer_passkey',
      csrf: steps.csrf(ctx),
      options: JSON.stringify(options),
      action: `/interaction/${interaction.uid}/passkey-enroll`,
      skipAction: `/interaction/${interaction.uid}/passkey-offer/skip`,
      abortUrl: `/interaction/${interaction.uid}/abort`,
      error,
    });
  }

  /** The offer's end: the sign-in completes with exactly what it had proven before the offer. */
  const completeAfterOffer = (ctx: Context, interaction: Interaction, pending: PendingLogin) =>
    steps.completeLogin(ctx, interaction, { accountId: pending.accountId, amr: pending.amr, acr: pending.acr!, loginTs: pending.loginTs, remember: pending.remember, offered: true });

  return {
    render,

    mount(router: Router) {
      router.get('/:uid/passkey-offer', async (ctx) => {
        const interaction = await steps.load(ctx, 'login');
        return render(ctx, interaction, await pendingIn(interaction, ['offer_passkey']));
      });

      router.post('/:uid/passkey-enroll', steps.forms, requireCsrf(), async (ctx) => {
        const interaction = await steps.load(ctx, 'login');
        const pending = await pendingIn(interaction, ['enroll_passkey', 'offer_passkey']);
        const form = parseInput(finishForm, ctx.request.body);
        const account = await deps.accounts.findById(pending.accountId);
        if (!account) throw mfaStepInvalid();
        const clientId = String(interaction.params.client_id);
        const origin = requestOriginOf(ctx.req);
        const stage = pending.stage === 'offer_passkey' ? 'offer' : 'required';
        const throttle = { protection: deps.mfaProtection, ip: ctx.ip };
        const result = await deps.passkeyChanges!.register(account, binding(interaction), form.response, undefined, origin, throttle, { stage, clientId });
        if (!result.ok && result.reason === 'throttled') {
          ctx.status = 429;
          ctx.set('Retry-After', String(result.retryAfter));
          return render(ctx, interaction, pending, tooManyAttempts(result.retryAfter));
        }
        if (!result.ok) {
          ctx.status = 400;
          return render(ctx, interaction, pending, REGISTRATION_REFUSED);
        }
        // A registration proves nothing about who holds the key (attestation "none" signs nothing the
        // server checks), so it is never a factor of this sign-in. From now on the passkey is the
        // account's second factor (mfa/policy.ts), so the sign-in goes on to the challenge page and
        // ends with an assertion of it, in both cases.
        await deps.pendingLogins.save(interaction.uid, { accountId: pending.accountId, stage: 'challenge', amr: pending.amr, loginTs: pending.loginTs, remember: pending.remember });
        ctx.redirect(`/interaction/${interaction.uid}/mfa?added=1`);
        ctx.status = 303;
      });

      router.post('/:uid/passkey-offer/skip', steps.forms, requireCsrf(), async (ctx) => {
        const interaction = await steps.load(ctx, 'login');
        const pending = await pendingIn(interaction, ['offer_passkey']);
        const form = parseInput(skipForm, ctx.request.body);
        if (form.reason === 'later' && deps.passkeyOfferDays) {
          const until = await deps.passkeys!.snoozeOffer(pending.accountId, deps.passkeyOfferDays);
          await deps.audit.record({
            type: 'passkey.offer_declined', accountId: pending.accountId, clientId: String(interaction.params.client_id), origin: requestOriginOf(ctx.req),
            detail: { until: until.toISOString() },
          });
        }
        return completeAfterOffer(ctx, interaction, pending);
      });
    },
  };
}

import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import type { AccountRow } from '../accounts/queries.js';
import type { AccountService } from '../accounts/service.js';
import type { SignupService } from '../accounts/signup-service.js';
import { forms, originOf, renderPage, seeOther, withFormErrors, type PageDeps } from '../accounts/routes/page-kit.js';
import { AppError } from '../errors/app-error.js';
import { requireCsrf } from '../http/csrf.js';
import { parseInput } from '../http/validate.js';
import { EMAIL_NOT_VERIFIED } from '../oidc/verified-email.js';
import { loadInteraction, type Interaction } from './load-interaction.js';
import type { MailLimit } from '../ratelimit/mail-limit.js';
import { msg, type Text } from '../i18n/catalogs.js';


const csrfOnly = z.object({ csrf: z.string().max(256) });

export const needsVerifiedEmail = (interaction: Interaction) =>
  interaction.prompt.name === 'login' && interaction.prompt.reasons.includes(EMAIL_NOT_VERIFIED) && Boolean(interaction.session?.accountId);

export interface VerifyEmailDeps extends PageDeps {
  provider: () => Provider;
  accounts: AccountService;
  signup: SignupService;
  mailLimit: MailLimit;
}

/** GET /interaction/:uid for that step: the page, with a notice after a new link was sent. */
export function createVerifyRequiredPage(deps: PageDeps & { accounts: AccountService }) {
  return async (ctx: Context, interaction: Interaction) => {
    const account = await deps.accounts.findById(String(interaction.session?.accountId));
    renderVerifyRequired(deps, ctx, interaction, account, { notice: ctx.query.sent === '1' ? msg('verifyPage.sent', { email: account?.email ?? '' }) : undefined });
  };
}

/** The page shown when the application requires a verified address and the account has none yet. */
export function renderVerifyRequired(deps: PageDeps, ctx: Context, interaction: Interaction, account: AccountRow | undefined, extra: { notice?: Text; error?: Text; status?: number } = {}) {
  renderPage(deps, ctx, 'verify-required', {
    email: account?.email ?? '',
    resendAction: `/interaction/${interaction.uid}/verification`,
    continueAction: `/interaction/${interaction.uid}/continue`,
    abortUrl: `/interaction/${interaction.uid}/abort`,
    notice: extra.notice,
    error: extra.error,
  }, extra.status);
}

/**
 * The steps of that page: mail a new link (limited like every mail endpoint), and continue once the
 * address is verified. Continuing completes the login the person already made, keeping its time,
 * methods and "keep me signed in" choice, so no step of it is skipped or repeated.
 */
export function createVerifyEmailRouter(deps: VerifyEmailDeps): Router {
  const router = new Router({ prefix: '/interaction' });

  async function load(ctx: Context): Promise<{ interaction: Interaction; account: AccountRow }> {
    const interaction = await loadInteraction(deps.provider(), ctx, needsVerifiedEmail);
    const account = await deps.accounts.findById(String(interaction.session!.accountId));
    if (!account) throw new AppError('INTERACTION_STEP_INVALID', 400, 'This account no longer exists. Go back to the application and start again.', { i18n: { key: 'error.accountGone' } });
    return { interaction, account };
  }

  router.post('/:uid/verification', forms, requireCsrf(), async (ctx) => {
    const { interaction, account } = await load(ctx);
    parseInput(csrfOnly, ctx.request.body);
    await withFormErrors(
      ctx,
      async () => {
        await deps.mailLimit.check(account.email, ctx.ip);
        await deps.signup.sendVerificationTo(account, originOf(ctx), `/interaction/${interaction.uid}`);
        seeOther(ctx, `/interaction/${interaction.uid}?sent=1`);
      },
      (error, status) => renderVerifyRequired(deps, ctx, interaction, account, { error, status }),
    );
  });

  router.post('/:uid/continue', forms, requireCsrf(), async (ctx) => {
    const { interaction, account } = await load(ctx);
    parseInput(csrfOnly, ctx.request.body);
    if (!account.email_verified) {
      return renderVerifyRequired(deps, ctx, interaction, account, { error: 'verifyPage.yourAddressIsNotVerified', status: 400 });
    }
    const provider = deps.provider();
    const session = interaction.session?.uid ? await provider.Session.findByUid(interaction.session.uid) : undefined;
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, {
      login: {
        accountId: account.id,
        ...(session?.loginTs ? { ts: session.loginTs } : {}),
        ...(interaction.session?.amr ? { amr: interaction.session.amr as string[] } : {}),
        ...(interaction.session?.acr ? { acr: interaction.session.acr as string } : {}),
        // The person's "keep me signed in" choice stays as it was made: a transient session stays one.
        remember: Boolean(session?.accountId) && !(session as unknown as { transient?: boolean }).transient,
      },
    });
    seeOther(ctx, returnTo);
  });

  return router;
}

import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import { requireCsrf } from '../../http/csrf.js';
import { parseInput } from '../../http/validate.js';
import type { MailLimit } from '../../ratelimit/mail-limit.js';
import { MAX_TOKEN_LENGTH } from '../account-tokens.js';
import type { RecoveryService } from '../recovery-service.js';
import { MAX_PASSWORD_LENGTH } from '../service.js';
import { checkMailLimit, forms, linkOrNotice, originOf, renderPage, seeOther, withFormErrors, type PageDeps } from './page-kit.js';
import type { Text } from '../../i18n/catalogs.js';

const emailForm = z.object({ csrf: z.string().max(256), email: z.string().trim().max(254, 'Use at most 254 characters.') });
const tokenQuery = z.object({ token: z.string().min(1, 'The link is incomplete.').max(MAX_TOKEN_LENGTH, 'The link is not valid.') });
const resetForm = tokenQuery.extend({ csrf: z.string().max(256), password: z.string().max(MAX_PASSWORD_LENGTH * 4, 'is too long') });

const NEW_LINK = { href: '/account/forgot', text: 'recoveryPage.askForANewLink' };

/** "Forgot password" and the reset page the mailed link opens. */
export function createRecoveryRouter(deps: PageDeps & { recovery: RecoveryService; mailLimit: MailLimit; provider: () => Provider; maxLength: number }): Router {
  const router = new Router({ prefix: '/account' });
  const { recovery } = deps;

  const renderForgot = (ctx: Context, email?: string, error?: Text, status = 200) =>
    renderPage(deps, ctx, 'email-form', {
      title: 'recoveryPage.forgotPassword',
      heading: 'recoveryPage.resetYourPassword',
      message: 'recoveryPage.enterTheEmailAddressOf',
      action: '/account/forgot',
      button: 'recoveryPage.sendTheLink',
      email,
      error,
      aside: { href: '/account', text: 'recoveryPage.backToSignIn' },
    }, status);

  router.get('/forgot', (ctx) => renderForgot(ctx));

  // One answer for every address: whether an account exists is told only by the mail itself.
  router.post('/forgot', forms, requireCsrf(), async (ctx) => {
    const form = parseInput(emailForm, ctx.request.body);
    await withFormErrors(
      ctx,
      async () => {
        await checkMailLimit(deps.mailLimit, ctx, form.email);
        await recovery.requestReset(form.email, originOf(ctx));
        seeOther(ctx, '/account/forgot/sent');
      },
      (error, status) => renderForgot(ctx, form.email, error, status),
    );
  });

  router.get('/forgot/sent', (ctx) =>
    renderPage(deps, ctx, 'notice', {
      title: 'recoveryPage.checkYourEmail',
      heading: 'recoveryPage.checkYourEmail',
      message: 'recoveryPage.ifAnAccountUsesThis',
      link: { href: '/account', text: 'recoveryPage.backToSignIn' },
    }),
  );

  const renderReset = async (ctx: Context, token: string, error?: Text, status = 200) => {
    const inspected = await linkOrNotice(deps, ctx, () => recovery.inspectReset(token), NEW_LINK);
    if (!inspected) return;
    renderPage(deps, ctx, 'reset', { ...inspected, token, maxLength: deps.maxLength, error }, status);
  };

  router.get('/reset', async (ctx) => {
    const { token } = parseInput(tokenQuery, ctx.query);
    await renderReset(ctx, token);
  });

  router.post('/reset', forms, requireCsrf(), async (ctx) => {
    const form = parseInput(resetForm, ctx.request.body);
    const session = await deps.provider().Session.get(ctx);
    await withFormErrors(
      ctx,
      async () => {
        const done = await linkOrNotice(deps, ctx, () => recovery.completeReset(form.token, form.password, { origin: originOf(ctx), currentSessionUid: session.uid }), NEW_LINK);
        if (done) seeOther(ctx, '/account/reset/done');
      },
      (error, status) => renderReset(ctx, form.token, error, status),
    );
  });

  router.get('/reset/done', (ctx) =>
    renderPage(deps, ctx, 'notice', {
      title: 'recoveryPage.passwordChanged',
      heading: 'recoveryPage.yourPasswordWasChanged',
      message: 'recoveryPage.signInWithYourNew',
      link: { href: '/account', text: 'recoveryPage.signIn' },
    }),
  );

  return router;
}

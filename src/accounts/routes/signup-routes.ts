import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { requireCsrf } from '../../http/csrf.js';
import { parseInput } from '../../http/validate.js';
import type { MailLimit } from '../../ratelimit/mail-limit.js';
import { MAX_TOKEN_LENGTH } from '../account-tokens.js';
import { safeReturnPath } from '../links.js';
import type { PasswordPolicy } from '../password-policy.js';
import { MAX_PASSWORD_LENGTH } from '../service.js';
import type { SignupService } from '../signup-service.js';
import { attributeInput, signupFieldViews } from '../../attributes/form-fields.js';
import type { AttributeService } from '../../attributes/service.js';
import { checkMailLimit, forms, linkOrNotice, originOf, renderPage, seeOther, withFormErrors, type PageDeps } from './page-kit.js';
import { msg, type Text } from '../../i18n/catalogs.js';

const RESEND = { href: '/account/verify/resend', text: 'signupPage.getANewLink' };

const signupForm = z.object({
  csrf: z.string().max(256),
  email: z.string().trim().max(254, 'Use at most 254 characters.'),
  name: z.string().trim().min(1, 'Enter your name.').max(100, 'Use at most 100 characters.'),
  password: z.string().max(MAX_PASSWORD_LENGTH * 4, 'is too long'),
  return_to: z.string().max(200).optional(),
});
const emailForm = z.object({ csrf: z.string().max(256), email: z.string().trim().max(254), return_to: z.string().max(200).optional() });
const tokenQuery = z.object({ token: z.string().min(1, 'The link is incomplete.').max(MAX_TOKEN_LENGTH, 'The link is not valid.') });
const tokenForm = tokenQuery.extend({ csrf: z.string().max(256) });

/** Sign-up and email verification pages. */
export function createSignupRouter(
  deps: PageDeps & { signup: SignupService; policy: PasswordPolicy; mailLimit: MailLimit; attributes?: AttributeService },
): Router {
  const router = new Router({ prefix: '/account' });
  const { signup } = deps;

  const renderSignup = async (
    ctx: Context,
    values: { email?: string; name?: string; returnTo?: string; attributes?: Record<string, unknown> },
    error?: Text,
    status = 200,
  ) =>
    renderPage(deps, ctx, 'signup', {
      ...values,
      fields: signupFieldViews(deps.attributes ? await deps.attributes.signupFields() : [], values.attributes ?? {}),
      error,
      minLength: deps.policy.minimumLength(false),
      maxLength: deps.policy.rules.maxLength,
      allowedDomains: signup.allowedDomains(),
      signInUrl: values.returnTo ?? '/account',
    }, status);

  const unavailable = (ctx: Context) =>
    renderPage(deps, ctx, 'notice', { title: 'signupPage.signUp', heading: 'signupPage.signUpIsNotAvailable', message: 'signupPage.accountsHereAreCreatedBy' }, 404);

  router.get('/signup', async (ctx) => {
    if (!signup.enabled()) return unavailable(ctx);
    await renderSignup(ctx, { returnTo: safeReturnPath(ctx.query.return_to) });
  });

  router.post('/signup', forms, requireCsrf(), async (ctx) => {
    if (!signup.enabled()) return unavailable(ctx);
    const form = parseInput(signupForm, ctx.request.body);
    const returnTo = safeReturnPath(form.return_to);
    const fields = deps.attributes ? await deps.attributes.signupFields() : [];
    const submitted = attributeInput(fields, ctx.request.body as Record<string, unknown>);
    await withFormErrors(
      ctx,
      async () => {
        const limit = (email: string) => checkMailLimit(deps.mailLimit, ctx, email);
        // Attribute values are checked before anything is created, so a bad one never leaves half an account.
        const values = deps.attributes ? await deps.attributes.validateForSignup(submitted) : {};
        const onCreated = deps.attributes ? (account: { id: string }) => deps.attributes!.saveNewAccountValues(account.id, values) : undefined;
        await signup.signUp({ email: form.email, name: form.name, password: form.password, returnPath: returnTo, onCreated }, originOf(ctx), limit);
        seeOther(ctx, `/account/signup/sent${returnTo ? `?${new URLSearchParams({ return_to: returnTo })}` : ''}`);
      },
      (error, status) => renderSignup(ctx, { email: form.email, name: form.name, returnTo, attributes: submitted }, error, status),
    );
  });

  // The same page for a new and a known address: which one it was is told only by mail.
  router.get('/signup/sent', (ctx) => {
    const returnTo = safeReturnPath(ctx.query.return_to);
    renderPage(deps, ctx, 'notice', {
      title: 'signupPage.checkYourEmail',
      heading: 'signupPage.checkYourEmail',
      message: 'signupPage.weSentAMessageTo',
      link: { href: returnTo ?? '/account', text: 'signupPage.goToSignIn' },
    });
  });

  router.get('/verify', async (ctx) => {
    const { token } = parseInput(tokenQuery, ctx.query);
    const inspected = await linkOrNotice(deps, ctx, () => signup.inspectVerification(token), RESEND);
    if (!inspected) return;
    const { email } = inspected;
    renderPage(deps, ctx, 'confirm-link', {
      title: 'signupPage.verifyYourEmail',
      heading: 'signupPage.verifyYourEmailAddress',
      message: msg('signupPage.confirmAddress', { email }),
      action: '/account/verify',
      token,
      button: 'signupPage.verifyMyAddress',
    });
  });

  router.post('/verify', forms, requireCsrf(), async (ctx) => {
    const { token } = parseInput(tokenForm, ctx.request.body);
    const confirmed = await linkOrNotice(deps, ctx, () => signup.confirmVerification(token, originOf(ctx)), RESEND);
    if (!confirmed) return;
    const { returnPath } = confirmed;
    seeOther(ctx, `/account/verify/done${returnPath ? `?${new URLSearchParams({ return_to: returnPath })}` : ''}`);
  });

  router.get('/verify/done', (ctx) => {
    const returnTo = safeReturnPath(ctx.query.return_to);
    renderPage(deps, ctx, 'notice', {
      title: 'signupPage.emailVerified',
      heading: 'signupPage.yourEmailAddressIsVerified',
      message: returnTo?.startsWith('/interaction/') ? 'signupPage.continueToApp' : 'signupPage.canSignIn',
      link: { href: returnTo ?? '/account', text: returnTo?.startsWith('/interaction/') ? 'common.continue' : 'accountPage.goToYourAccount' },
    });
  });

  const renderResend = (ctx: Context, email?: string, error?: Text, status = 200) =>
    renderPage(deps, ctx, 'email-form', {
      title: 'signupPage.verifyYourEmail',
      heading: 'signupPage.getANewVerificationLink',
      message: 'signupPage.enterTheAddressOfYour',
      action: '/account/verify/resend',
      button: 'signupPage.sendANewLink',
      email,
      error,
    }, status);

  router.get('/verify/resend', (ctx) => renderResend(ctx));
  router.post('/verify/resend', forms, requireCsrf(), async (ctx) => {
    const form = parseInput(emailForm, ctx.request.body);
    await withFormErrors(
      ctx,
      async () => {
        await checkMailLimit(deps.mailLimit, ctx, form.email);
        await signup.resendVerification(form.email, originOf(ctx));
        seeOther(ctx, '/account/signup/sent');
      },
      (error, status) => renderResend(ctx, form.email, error, status),
    );
  });

  return router;
}

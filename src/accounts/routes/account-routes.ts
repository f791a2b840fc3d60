import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { requireCsrf } from '../../http/csrf.js';
import { parseInput } from '../../http/validate.js';
import type { MailLimit } from '../../ratelimit/mail-limit.js';
import { MAX_TOKEN_LENGTH } from '../account-tokens.js';
import { nameSchema, type SelfService, type Signed } from '../self-service.js';
import { MAX_PASSWORD_LENGTH } from '../service.js';
import type { SignInActivity } from '../sign-in-activity.js';
import type { SignupService } from '../signup-service.js';
import type { AccountAuth, SignedIn } from './account-auth.js';
import { attributeInput, signupFieldViews } from '../../attributes/form-fields.js';
import type { AttributeService } from '../../attributes/service.js';
import { describeDevice } from './device.js';
import { msg, type Text } from '../../i18n/catalogs.js';
import type { I18n } from '../../i18n/index.js';
import { checkMailLimit, forms, linkOrNotice, originOf, renderPage, seeOther, withFormErrors, type PageDeps } from './page-kit.js';

const csrfOnly = z.object({ csrf: z.string().max(256) });
const nameForm = csrfOnly.extend({ name: nameSchema });
const localeForm = csrfOnly.extend({ locale: z.string().max(64).default('') });
const passwordForm = csrfOnly.extend({
  current: z.string().max(MAX_PASSWORD_LENGTH * 4, 'is too long'),
  password: z.string().max(MAX_PASSWORD_LENGTH * 4, 'is too long'),
  sign_out_others: z.literal('yes').optional(),
});
const setPasswordForm = csrfOnly.extend({ password: z.string().max(MAX_PASSWORD_LENGTH * 4, 'is too long') });
const removePasswordForm = csrfOnly.extend({ current: z.string().max(MAX_PASSWORD_LENGTH * 4, 'is too long') });
const emailForm = csrfOnly.extend({ email: z.string().trim().max(254, 'Use at most 254 characters.') });
const tokenQuery = z.object({ token: z.string().min(1, 'The link is incomplete.').max(MAX_TOKEN_LENGTH, 'The link is not valid.') });
const tokenForm = tokenQuery.extend({ csrf: z.string().max(256) });
const handle = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'is not a valid identifier');

/** Messages shown after a change (by key, so no text a request carried is ever shown). */
const DONE: Record<string, string> = {
  name: 'accountPage.yourNameWasChanged',
  password: 'accountPage.yourPasswordWasChanged',
  'password-others': 'accountPage.yourPasswordWasChangedAnd',
  'password-removed': 'accountPage.passwordRemoved',
  'password-set': 'accountPage.passwordSet',
  'email-sent': 'accountPage.weSentAConfirmationLink',
  'verification-sent': 'accountPage.weSentANewVerification',
  'session-revoked': 'accountPage.theSessionWasSignedOut',
  'app-revoked': 'accountPage.theApplicationNoLongerHas',
  attributes: 'accountPage.yourDetailsWereSaved',
  locale: 'accountPage.languageSaved',
};

export interface AccountRouterDeps extends PageDeps {
  auth: AccountAuth;
  selfService: SelfService;
  signup: SignupService;
  mailLimit: MailLimit;
  maxPasswordLength: number;
  /** Profile attributes the person may edit (issue: custom user attributes). */
  attributes?: AttributeService;
  /** The person's recent sign-in activity, from the audit log. */
  activity?: SignInActivity;
  /** The languages a person may choose for their pages and mails. */
  i18n: Pick<I18n, 'supported'>;
}

/** The self-service account page and its forms. */
export function createAccountRouter(deps: AccountRouterDeps): Router {
  const router = new Router({ prefix: '/account' });
  const { auth, selfService } = deps;

  /**
   * The signed-in person, or a redirect to sign in (then back to `returnTo`). `recent`: the change needs
   * a sign-in within RECENT_LOGIN_SECONDS; `withoutPassword`: for an account without a password, the
   * proof that stands for it (auth.provenWithoutPassword).
   */
  async function signedIn(ctx: Context, returnTo: string, options: { recent?: boolean; withoutPassword?: boolean } = {}): Promise<Signed | undefined> {
    const current = await auth.current(ctx);
    if (!current) {
      auth.startLogin(ctx, returnTo);
      return undefined;
    }
    const proven = options.withoutPassword && !current.account.password_hash ? await auth.provenWithoutPassword(current) : !options.recent || auth.isRecent(current);
    if (!proven) {
      auth.startLogin(ctx, returnTo, true);
      return undefined;
    }
    return toSigned(ctx, current);
  }
  const toSigned = (ctx: Context, current: SignedIn): Signed => ({ account: current.account, sessionUid: current.sessionUid, origin: originOf(ctx) });

  async function renderAccount(
    ctx: Context,
    signed: Signed,
    extra: { nameError?: Text; attributesError?: Text; submitted?: Record<string, unknown>; status?: number } = {},
  ) {
    const [sessions, applications, activity] = await Promise.all([
      selfService.listSessions(signed.account),
      selfService.listApplications(signed.account),
      deps.activity ? deps.activity.recent(signed.account.id) : [],
    ]);
    const fields = deps.attributes
      ? signupFieldViews(await deps.attributes.userEditableFields(), extra.submitted ?? (await deps.attributes.valuesOf(signed.account.id)))
      : [];
    renderPage(
      deps,
      ctx,
      'account',
      {
        account: signed.account,
        done: typeof ctx.query.done === 'string' ? DONE[ctx.query.done] : undefined,
        nameError: extra.nameError,
        attributesError: extra.attributesError,
        fields,
        sessions: sessions.map((session) => ({ ...session, device: describeDevice(session.userAgent), current: session.uid === signed.sessionUid })),
        applications,
        activity: activity.map((entry) => ({ ...entry, device: entry.userAgent ? describeDevice(entry.userAgent) : undefined })),
      },
      extra.status,
    );
  }

  router.get('/', async (ctx) => {
    const signed = await signedIn(ctx, '/account');
    if (signed) await renderAccount(ctx, signed);
  });

  router.get('/callback', (ctx) => {
    const returnTo = auth.finishLogin(ctx, ctx.query.state);
    if (typeof ctx.query.error === 'string') {
      return renderPage(deps, ctx, 'notice', {
        title: 'accountPage.notSignedIn',
        heading: 'accountPage.youAreNotSignedIn',
        message: 'accountPage.theSignInWasCancelled',
        link: { href: '/account', text: 'accountPage.signIn' },
      }, 400);
    }
    seeOther(ctx, returnTo ?? '/account');
  });

  router.post('/name', forms, requireCsrf(), async (ctx) => {
    const signed = await signedIn(ctx, '/account');
    if (!signed) return;
    const parsed = nameForm.safeParse(ctx.request.body);
    if (!parsed.success) return renderAccount(ctx, signed, { nameError: parsed.error.issues[0].message, status: 400 });
    await selfService.changeName(signed, parsed.data.name);
    seeOther(ctx, '/account?done=name');
  });

  // The person's language for their pages and mails; empty (or a language no longer offered) goes back to the browser's.
  router.post('/locale', forms, requireCsrf(), async (ctx) => {
    const signed = await signedIn(ctx, '/account');
    if (!signed) return;
    const form = parseInput(localeForm, ctx.request.body);
    await selfService.changeLocale(signed, deps.i18n.supported(form.locale) ?? null);
    seeOther(ctx, '/account?done=locale');
  });

  router.post('/attributes', forms, requireCsrf(), async (ctx) => {
    const signed = await signedIn(ctx, '/account');
    if (!signed || !deps.attributes) return;
    parseInput(csrfOnly, ctx.request.body);
    const submitted = attributeInput(await deps.attributes.userEditableFields(), ctx.request.body as Record<string, unknown>);
    await withFormErrors(
      ctx,
      async () => {
        // An empty field removes an optional value; the service refuses to empty a required one.
        const cleared = Object.fromEntries((await deps.attributes!.userEditableFields()).filter((field) => !(field.name in submitted)).map((field) => [field.name, null]));
        await deps.attributes!.setValues(signed.account.id, { ...cleared, ...submitted }, 'user');
        seeOther(ctx, '/account?done=attributes');
      },
      (error, status) => renderAccount(ctx, signed, { attributesError: error, submitted, status }),
    );
  });

  router.post('/verification', forms, requireCsrf(), async (ctx) => {
    const signed = await signedIn(ctx, '/account');
    if (!signed) return;
    parseInput(csrfOnly, ctx.request.body);
    await checkMailLimit(deps.mailLimit, ctx, signed.account.email);
    await deps.signup.sendVerificationTo(signed.account, signed.origin, '/account');
    seeOther(ctx, '/account?done=verification-sent');
  });

  const renderPassword = async (ctx: Context, signed: Signed, error?: Text, status = 200) =>
    renderPage(deps, ctx, 'account-password', {
      account: signed.account,
      passwordless: !signed.account.password_hash,
      mayRemove: await selfService.mayRemovePassword(signed.account),
      minLength: await selfService.minimumPasswordLength(signed.account),
      maxLength: deps.maxPasswordLength,
      error,
    }, status);

  /**
   * A passwordless account has no password to enter again: setting one needs a recent sign-in
   * (RECENT_LOGIN_SECONDS), which for this account was made with a passkey.
   */
  const passwordPageSigned = (ctx: Context) => signedIn(ctx, '/account/password', { withoutPassword: true });

  router.get('/password', async (ctx) => {
    const signed = await passwordPageSigned(ctx);
    if (signed) await renderPassword(ctx, signed);
  });

  router.post('/password', forms, requireCsrf(), async (ctx) => {
    const signed = await passwordPageSigned(ctx);
    if (!signed) return;
    if (!signed.account.password_hash) {
      const form = parseInput(setPasswordForm, ctx.request.body);
      return withFormErrors(
        ctx,
        async () => {
          await selfService.setPassword(signed, form.password);
          seeOther(ctx, '/account?done=password-set');
        },
        (error, status) => renderPassword(ctx, signed, error, status),
      );
    }
    const form = parseInput(passwordForm, ctx.request.body);
    await withFormErrors(
      ctx,
      async () => {
        const signOutOthers = form.sign_out_others === 'yes';
        await selfService.changePassword(signed, { current: form.current, next: form.password, signOutOthers });
        seeOther(ctx, `/account?done=${signOutOthers ? 'password-others' : 'password'}`);
      },
      (error, status) => renderPassword(ctx, signed, error, status),
    );
  });

  router.post('/password/remove', forms, requireCsrf(), async (ctx) => {
    const signed = await signedIn(ctx, '/account/password');
    if (!signed) return;
    const form = parseInput(removePasswordForm, ctx.request.body);
    await withFormErrors(
      ctx,
      async () => {
        await selfService.removePassword(signed, form.current);
        seeOther(ctx, '/account?done=password-removed');
      },
      (error, status) => renderPassword(ctx, signed, error, status),
    );
  });

  // Changing the address needs a recent sign-in: a session left open on a shared computer must not
  // be enough to take the account over.
  const renderEmail = (ctx: Context, signed: Signed, email?: string, error?: Text, status = 200) =>
    renderPage(deps, ctx, 'account-email', { account: signed.account, email, error }, status);

  router.get('/email', async (ctx) => {
    const signed = await signedIn(ctx, '/account/email', { recent: true });
    if (signed) renderEmail(ctx, signed);
  });

  router.post('/email', forms, requireCsrf(), async (ctx) => {
    const signed = await signedIn(ctx, '/account/email', { recent: true });
    if (!signed) return;
    const form = parseInput(emailForm, ctx.request.body);
    await withFormErrors(
      ctx,
      async () => {
        await checkMailLimit(deps.mailLimit, ctx, form.email);
        await selfService.requestEmailChange(signed, form.email);
        seeOther(ctx, '/account?done=email-sent');
      },
      (error, status) => renderEmail(ctx, signed, form.email, error, status),
    );
  });

  // Opened from the mail at the new address; the link alone proves that address, no session needed.
  const EMAIL_AGAIN = { href: '/account/email', text: 'accountPage.changeYourEmailAgain' };
  router.get('/email/confirm', async (ctx) => {
    const { token } = parseInput(tokenQuery, ctx.query);
    const inspected = await linkOrNotice(deps, ctx, () => selfService.inspectEmailChange(token), EMAIL_AGAIN);
    if (!inspected) return;
    renderPage(deps, ctx, 'confirm-link', {
      title: 'accountPage.confirmYourNewEmail',
      heading: 'accountPage.confirmYourNewEmailAddress',
      message: msg('accountPage.useAddress', { email: inspected.email }),
      action: '/account/email/confirm',
      token,
      button: 'accountPage.useThisAddress',
    });
  });

  router.post('/email/confirm', forms, requireCsrf(), async (ctx) => {
    const { token } = parseInput(tokenForm, ctx.request.body);
    const done = await linkOrNotice(deps, ctx, () => selfService.confirmEmailChange(token, originOf(ctx)), EMAIL_AGAIN);
    if (!done) return;
    seeOther(ctx, '/account/email/changed');
  });

  // The notice to the current address carries this link. Opening it shows a page; only its button
  // (a POST with the CSRF token) cancels, so a mail scanner that fetches links cancels nothing.
  const ACCOUNT_PAGE = { href: '/account', text: 'accountPage.goToYourAccount' };
  router.get('/email/cancel', async (ctx) => {
    const { token } = parseInput(tokenQuery, ctx.query);
    const inspected = await linkOrNotice(deps, ctx, () => selfService.inspectEmailChangeCancel(token), ACCOUNT_PAGE);
    if (!inspected) return;
    renderPage(deps, ctx, 'confirm-link', {
      title: 'accountPage.cancelTheEmailChange',
      heading: 'accountPage.cancelTheChangeOfYour',
      message: msg('accountPage.keepAddress', { email: inspected.email }),
      action: '/account/email/cancel',
      token,
      button: 'accountPage.cancelTheChange',
    });
  });

  router.post('/email/cancel', forms, requireCsrf(), async (ctx) => {
    const { token } = parseInput(tokenForm, ctx.request.body);
    const done = await linkOrNotice(deps, ctx, () => selfService.cancelEmailChange(token, originOf(ctx)), ACCOUNT_PAGE);
    if (!done) return;
    seeOther(ctx, '/account/email/cancelled');
  });

  router.get('/email/cancelled', (ctx) =>
    renderPage(deps, ctx, 'notice', {
      title: 'accountPage.emailChangeCancelled',
      heading: 'accountPage.theChangeOfYourEmail',
      message: 'accountPage.yourAddressStaysAsIt',
      link: { href: '/account', text: 'accountPage.goToYourAccount' },
    }),
  );

  router.get('/email/changed', (ctx) =>
    renderPage(deps, ctx, 'notice', {
      title: 'accountPage.emailChanged',
      heading: 'accountPage.yourEmailAddressWasChanged',
      message: 'accountPage.signInWithYourNew',
      link: { href: '/account', text: 'accountPage.goToYourAccount' },
    }),
  );

  router.post('/sessions/:uid/revoke', forms, requireCsrf(), async (ctx) => {
    const signed = await signedIn(ctx, '/account');
    if (!signed) return;
    parseInput(csrfOnly, ctx.request.body);
    const uid = parseInput(handle, ctx.params.uid);
    const { current } = await selfService.revokeSession(signed, uid);
    seeOther(ctx, current ? '/account' : '/account?done=session-revoked');
  });

  router.post('/applications/:grantId/revoke', forms, requireCsrf(), async (ctx) => {
    const signed = await signedIn(ctx, '/account');
    if (!signed) return;
    parseInput(csrfOnly, ctx.request.body);
    const grantId = parseInput(handle, ctx.params.grantId);
    await selfService.revokeApplication(signed, grantId);
    seeOther(ctx, '/account?done=app-revoked');
  });

  return router;
}

import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { AccountRow } from '../accounts/queries.js';
import { MAX_PASSWORD_LENGTH } from '../accounts/service.js';
import { AppError } from '../errors/app-error.js';
import { requireCsrf } from '../http/csrf.js';
import { allowImageOrigin } from '../http/security-headers.js';
import { requestOriginOf } from '../http/request-context.js';
import { parseInput } from '../http/validate.js';
import { knownDevices } from '../ratelimit/known-device.js';
import { MFA_REQUIRED } from '../oidc/interaction-policy.js';
import { ACR_PASSWORD, AMR, stageFor } from '../mfa/policy.js';
import { describeConsent, grantRequestedAccess, requestedApis } from './consent.js';
import { needsVerifiedEmail } from './verify-email.js';
import { createMfaRoutes } from './mfa-routes.js';
import { createPasskeyLogin } from '../passkeys/login-routes.js';
import { createInteractionSteps, tooManyAttempts, type Interaction, type InteractionDeps } from './steps.js';
import type { Text } from '../i18n/catalogs.js';
import { useSavedLocale } from '../i18n/request-locale.js';

export type { InteractionDeps } from './steps.js';

const loginForm = z.object({
  csrf: z.string().max(256),
  email: z.string().trim().max(254),
  password: z.string().max(MAX_PASSWORD_LENGTH * 4, 'is too long'),
  remember: z.literal('yes').optional(),
});

/** One message for every login failure: which check failed is recorded in the event log only. */
const LOGIN_FAILED = 'loginPage.failed';
const STEP_UP_PASSWORD = 'loginPage.stepUpPassword';

/** The hosted login, second-factor and consent pages that oidc-provider sends the browser to. */
export function createInteractionRouter(deps: InteractionDeps): Router {
  const router = new Router({ prefix: '/interaction' });
  const steps = createInteractionSteps(deps);
  const { forms } = steps;
  const mfa = createMfaRoutes(deps, steps);
  const devices = knownDevices(deps.secureCookies);

  async function renderLogin(ctx: Context, interaction: Interaction, extra: { error?: Text; email?: string; notice?: Text; passkeyAutofill?: boolean } = {}) {
    const client = await steps.clientOf(interaction);
    ctx.type = 'html';
    // The client's own logo: its origin is allowed on this response only.
    allowImageOrigin(ctx, client.links.logoUri);
    ctx.body = deps.render('login', {
      clientName: client.name,
      clientLinks: client.links,
      csrf: steps.csrf(ctx),
      action: `/interaction/${interaction.uid}/login`,
      abortUrl: `/interaction/${interaction.uid}/abort`,
      email: extra.email ?? (typeof interaction.params.login_hint === 'string' ? interaction.params.login_hint : ''),
      error: extra.error,
      notice: extra.notice,
      forgotUrl: deps.accountPages ? '/account/forgot' : undefined,
      signupUrl: deps.accountPages?.signupEnabled() ? `/account/signup?${new URLSearchParams({ return_to: `/interaction/${interaction.uid}` })}` : undefined,
      connections: deps.federation ? await deps.federation.loginOptions(interaction) : [],
      rememberMe: deps.rememberMe ?? false,
      passkey: await passkeyLogin.ceremony(interaction),
      // After a refused passkey the browser is not asked again by itself: the person chooses.
      passkeyAutofill: extra.passkeyAutofill ?? true,
    });
  }
  const passkeyLogin = createPasskeyLogin(deps, steps, renderLogin);

  router.get('/:uid', async (ctx) => {
    const interaction = await steps.load(ctx);
    if (deps.accountPages && needsVerifiedEmail(interaction)) return deps.accountPages.verifyRequired(ctx, interaction);
    if (interaction.prompt.name === 'login') {
      const reasons = interaction.prompt.reasons;
      // Step-up: signed in already, and only the second factor is missing.
      if (interaction.session?.accountId && reasons.length === 1 && reasons[0] === MFA_REQUIRED) {
        if (await mfa.startStepUp(ctx, interaction)) return;
        // Setting up a factor inside an old session: the password first (see startStepUp).
        const account = await deps.accounts.findById(String(interaction.session.accountId));
        return renderLogin(ctx, interaction, { email: account?.email, notice: STEP_UP_PASSWORD });
      }
      return renderLogin(ctx, interaction);
    }
    if (interaction.prompt.name !== 'consent') throw new AppError('UNSUPPORTED_PROMPT', 400, 'This sign-in step is not supported.');
    const client = await steps.clientOf(interaction);
    // Rule: a person's rights on the server's own APIs are delegated only on a consent page they saw.
    const systemApi = requestedApis(interaction).some((api) => deps.systemApis?.includes(api));
    if (client.firstParty && !systemApi) {
      // First-party apps are the operator's own: their access is granted without asking.
      const result = await grantRequestedAccess(deps.provider(), interaction);
      await deps.audit.record({
        type: 'consent.granted',
        accountId: interaction.session?.accountId,
        clientId: String(interaction.params.client_id),
        origin: requestOriginOf(ctx.req),
        detail: { scope: interaction.params.scope, grantId: result.consent?.grantId, firstParty: true },
      });
      return steps.finish(ctx, result, true);
    }
    const account = await deps.accounts.findById(String(interaction.session?.accountId));
    // Signed in by now: the person's saved language applies (after the request's ui_locales).
    useSavedLocale(account?.locale);
    ctx.type = 'html';
    allowImageOrigin(ctx, client.links.logoUri);
    ctx.body = deps.render('consent', {
      clientName: client.name,
      clientLinks: client.links,
      accountEmail: account?.email ?? '',
      ...describeConsent(interaction, deps.claimsMapping?.()),
      csrf: steps.csrf(ctx),
      action: `/interaction/${interaction.uid}/confirm`,
      denyAction: `/interaction/${interaction.uid}/deny`,
    });
  });

  router.post('/:uid/login', forms, requireCsrf(), async (ctx) => {
    const interaction = await steps.load(ctx, 'login');
    const form = parseInput(loginForm, ctx.request.body);
    const clientId = String(interaction.params.client_id);
    const origin = requestOriginOf(ctx.req);
    // Home-realm discovery: an email domain that belongs to an upstream provider signs in there.
    if (deps.federation && (await deps.federation.homeRealm(ctx, interaction, form.email))) return;
    // A known device: this browser holds a session of the account now, or signed it in before with
    // the password in force. Looked up only while the account has a wait.
    const sessionAccountId = interaction.session?.accountId;
    const isKnownDevice = (account: AccountRow) => account.id === sessionAccountId || devices.has(ctx, account);
    const knownDevice = async () => {
      const account = await deps.accounts.findByEmail(form.email);
      return Boolean(account && isKnownDevice(account));
    };
    const decision = await deps.loginProtection.beforeAttempt(ctx.ip, form.email, knownDevice);
    if (!decision.allowed) {
      await deps.audit.record({
        type: 'login.failed',
        outcome: 'failure',
        clientId,
        origin,
        detail: { reason: 'throttled', limit: decision.reason, retryAfter: decision.retryAfter },
      });
      ctx.status = 429;
      ctx.set('Retry-After', String(decision.retryAfter));
      return renderLogin(ctx, interaction, { error: tooManyAttempts(decision.retryAfter), email: form.email });
    }
    const result = await deps.accounts.authenticate(form.email, form.password, {
      signInWhileLocked: isKnownDevice,
    });
    if (!result.ok) {
      const failure = await deps.loginProtection.recordFailure(form.email, ctx.ip);
      if (failure.lockNow && result.account && (await deps.accounts.lock(result.account.id))) {
        await deps.audit.record({
          type: 'account.locked',
          outcome: 'failure',
          actor: { type: 'system' },
          accountId: result.account.id,
          origin,
          detail: { consecutiveFailures: failure.consecutiveFailures },
        });
      }
      await deps.audit.record({
        type: 'login.failed',
        outcome: 'failure',
        accountId: result.account?.id,
        clientId,
        origin,
        detail: { reason: result.reason, consecutiveFailures: failure.consecutiveFailures },
      });
      // A locked account gets exactly the wrong-password answer: lockout must not reveal accounts.
      ctx.status = 401;
      return renderLogin(ctx, interaction, { error: LOGIN_FAILED, email: form.email });
    }
    await deps.loginProtection.recordSuccess(form.email, ctx.ip);
    devices.remember(ctx, result.account);
    const accountId = result.account.id;
    const requirement = await deps.mfaPolicy.requirement(accountId, clientId, interaction.params.acr_values as string | undefined);
    const remember = Boolean(deps.rememberMe && form.remember === 'yes');
    if (requirement === 'none') return steps.completeLogin(ctx, interaction, { accountId, amr: [AMR.password], acr: ACR_PASSWORD, remember });
    return mfa.begin(ctx, interaction, { accountId, stage: stageFor(requirement), amr: [AMR.password], remember });
  });

  router.post('/:uid/confirm', forms, requireCsrf(), async (ctx) => {
    const interaction = await steps.load(ctx, 'consent');
    const result = await grantRequestedAccess(deps.provider(), interaction);
    await deps.audit.record({
      type: 'consent.granted',
      accountId: interaction.session?.accountId,
      clientId: String(interaction.params.client_id),
      origin: requestOriginOf(ctx.req),
      detail: { scope: interaction.params.scope, grantId: result.consent?.grantId },
    });
    return steps.finish(ctx, result, true);
  });

  const deny = async (ctx: Context) => {
    const interaction = await steps.load(ctx);
    await deps.pendingLogins.remove(interaction.uid);
    await deps.audit.record({
      type: 'consent.denied',
      outcome: 'failure',
      accountId: interaction.session?.accountId,
      clientId: String(interaction.params.client_id),
      origin: requestOriginOf(ctx.req),
    });
    return steps.finish(ctx, { error: 'access_denied', error_description: 'The user did not allow access' }, false);
  };
  router.post('/:uid/deny', forms, requireCsrf(), deny);
  // The cancel link on the login page: ending one's own sign-in needs no form, and grants nothing.
  router.get('/:uid/abort', deny);

  mfa.mount(router);
  passkeyLogin.mount(router);
  return router;
}

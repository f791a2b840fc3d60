import type Router from '@koa/router';
import type { Context } from 'koa';
import QRCode from 'qrcode';
import { z } from 'zod';
import { AppError } from '../errors/app-error.js';
import { epochSeconds } from '../shared/clock.js';
import { requireCsrf } from '../http/csrf.js';
import { requestOriginOf } from '../http/request-context.js';
import { parseInput } from '../http/validate.js';
import type { PendingLogin } from '../mfa/pending-login.js';
import { ACR_MFA, ACR_PHISHING_RESISTANT, AMR, signedInWithin, stageFor } from '../mfa/policy.js';
import { createPasskeyEnrollment } from '../passkeys/enroll-routes.js';
import { recordPasskeyRefusal } from '../passkeys/interaction-audit.js';
import { mfaStepInvalid, tooManyAttempts, type Interaction, type InteractionDeps, type InteractionSteps } from './steps.js';
import type { Text } from '../i18n/catalogs.js';
import { useSavedLocale } from '../i18n/request-locale.js';

const codeForm = z.object({ csrf: z.string().max(256), code: z.string().trim().min(1, 'enter the code').max(32) });
const continueForm = z.object({ csrf: z.string().max(256) });
// The browser's WebAuthn answer as JSON; the form body cap (16 KiB) bounds it, src/passkeys/responses.ts checks it.
const passkeyForm = z.object({ csrf: z.string().max(256), response: z.string().max(16_000) });
const PASSKEY_REJECTED = 'mfaPage.passkeyRejected';
const PASSKEY_REQUIRED = 'mfaPage.passkeyRequired';
const CODE_THEN_PASSKEY = 'mfaPage.codeThenPasskey';
const PASSKEY_ADDED = 'mfaPage.passkeyAdded';

const CODE_REJECTED = 'error.codeRejected';

/**
 * The second step of a sign-in: a TOTP or recovery-code challenge, or, when MFA is required and the
 * account has no factor yet, enrollment. The login result is handed to oidc-provider only here, once
 * the second factor is proven: there is no request that completes the login without it.
 */
export function createMfaRoutes(deps: InteractionDeps, steps: InteractionSteps) {
  const mfaPath = (interaction: Interaction) => `/interaction/${interaction.uid}/mfa`;
  const enrollment = createPasskeyEnrollment(deps, steps);

  /** Whether this sign-in must end with a passkey: acr_values, the client's or a group's flag (mfa/policy.ts). */
  const phishingResistant = (interaction: Interaction, accountId: string) =>
    deps.mfaPolicy.phishingResistantRequired(accountId, String(interaction.params.client_id), interaction.params.acr_values as string | undefined);

  /** The sign-in waiting for its second step; the password is proven, so the person's saved language applies. */
  async function findPending(uid: string): Promise<PendingLogin | undefined> {
    const pending = await deps.pendingLogins.find(uid);
    if (pending) useSavedLocale((await deps.accounts.findById(pending.accountId))?.locale);
    return pending;
  }

  async function pendingFor(ctx: Context, interaction: Interaction, stage: PendingLogin['stage']): Promise<PendingLogin> {
    const pending = await findPending(interaction.uid);
    if (!pending || pending.stage !== stage) {
      throw mfaStepInvalid();
    }
    return pending;
  }

  async function accountLabel(accountId: string): Promise<string> {
    return (await deps.accounts.findById(accountId))?.email ?? accountId;
  }

  /**
   * The passkey part of the challenge page: options bound to this interaction, for this account's passkeys
   * only. `hasPasskey` when the caller knows already (a passkey demand of 'use'), so they are not counted again.
   */
  async function passkeyCeremony(interaction: Interaction, accountId: string, hasPasskey?: boolean) {
    if (!deps.passkeys || !(hasPasskey ?? (await deps.passkeys.count(accountId)) > 0)) return undefined;
    const options = await deps.passkeys.authenticationOptions(`mfa:${interaction.uid}`, 'second_factor', accountId);
    return { options: JSON.stringify(options), action: `${mfaPath(interaction)}/passkey` };
  }

  /**
   * The challenge page for the sign-in `pending` (every caller has read it). `passkeyUse`: the caller
   * found a passkey demanded and present (passkeyDemand 'use'), so neither is asked again.
   */
  async function renderChallenge(ctx: Context, interaction: Interaction, pending: PendingLogin, error?: Text, notice?: Text, passkeyUse = false) {
    const client = await steps.clientOf(interaction);
    const passkey = await passkeyCeremony(interaction, pending.accountId, passkeyUse || undefined);
    const passkeyOnly = passkeyUse || (await phishingResistant(interaction, pending.accountId));
    const totp = await deps.mfa.hasFactor(pending.accountId);
    ctx.type = 'html';
    ctx.body = deps.render('mfa-challenge', {
      clientName: client.name,
      csrf: steps.csrf(ctx),
      action: mfaPath(interaction),
      abortUrl: `/interaction/${interaction.uid}/abort`,
      passkey,
      // A code form where a code can finish this sign-in, or lead to creating the passkey it demands.
      codeForm: totp && (!passkeyOnly || !passkey),
      error,
      notice: notice ?? (passkeyOnly ? (passkey ? PASSKEY_REQUIRED : CODE_THEN_PASSKEY) : undefined),
    });
  }

  async function renderEnrollment(ctx: Context, interaction: Interaction, pending: PendingLogin, error?: Text) {
    const label = await accountLabel(pending.accountId);
    const enrollment = (await deps.mfa.pendingEnrollment(pending.accountId, label)) ?? (await deps.mfa.beginTotpEnrollment(pending.accountId, label));
    const client = await steps.clientOf(interaction);
    ctx.type = 'html';
    ctx.body = deps.render('mfa-enroll', {
      clientName: client.name,
      qrDataUrl: await QRCode.toDataURL(enrollment.uri, { margin: 1, width: 200 }),
      manualKey: enrollment.secret.replace(/(.{4})/g, '$1 ').trim(),
      csrf: steps.csrf(ctx),
      action: `${mfaPath(interaction)}/enroll`,
      abortUrl: `/interaction/${interaction.uid}/abort`,
      error,
    });
  }

  const recordMfaFailure = (ctx: Context, interaction: Interaction, pending: PendingLogin, detail: Record<string, unknown>) =>
    deps.audit.record({
      type: 'mfa.failed',
      outcome: 'failure',
      accountId: pending.accountId,
      clientId: String(interaction.params.client_id),
      origin: requestOriginOf(ctx.req),
      detail,
    });

  /** Throttles second-factor attempts per account; returns false (after answering 429) when over. */
  async function withinLimits(ctx: Context, interaction: Interaction, pending: PendingLogin): Promise<boolean> {
    const decision = await deps.mfaProtection.beforeAttempt(ctx.ip, pending.accountId);
    if (decision.allowed) return true;
    await recordMfaFailure(ctx, interaction, pending, { reason: 'throttled', retryAfter: decision.retryAfter });
    ctx.status = 429;
    ctx.set('Retry-After', String(decision.retryAfter));
    const message = tooManyAttempts(decision.retryAfter);
    if (pending.stage === 'enroll') await renderEnrollment(ctx, interaction, pending, message);
    else await renderChallenge(ctx, interaction, pending, message);
    return false;
  }

  async function recordFailure(ctx: Context, interaction: Interaction, pending: PendingLogin, stage: string) {
    const failure = await deps.mfaProtection.recordFailure(pending.accountId, ctx.ip);
    await recordMfaFailure(ctx, interaction, pending, { reason: 'wrong_code', stage, consecutiveFailures: failure.consecutiveFailures });
    ctx.status = 401;
  }

  /** After the password: remember the verified account and go to the second step. */
  async function begin(ctx: Context, interaction: Interaction, pending: Omit<PendingLogin, 'loginTs'> & { loginTs?: number }) {
    await deps.pendingLogins.save(interaction.uid, { ...pending, loginTs: pending.loginTs ?? epochSeconds(deps.clock) });
    ctx.redirect(mfaPath(interaction));
    ctx.status = 303;
  }

  return {
    begin,

    /**
     * Inside an existing session that lacks a second factor (acr_values, client or group policy).
     * Rule: a step-up adds a factor, never a sign-in. The pending login carries the session's own
     * sign-in time, so auth_time, max_age, the "recent sign-in" checks of the account pages and the
     * absolute session lifetime stay where the password put them. Enrolling a new factor is a change
     * to the account: it needs the password first unless the sign-in is recent (RECENT_LOGIN_SECONDS),
     * as on the account's security page. Returns false, having answered nothing, when the caller must
     * ask for the password.
     */
    async startStepUp(ctx: Context, interaction: Interaction): Promise<boolean> {
      const session = interaction.session as { accountId: string; uid?: string; amr?: string[] };
      const stored = session.uid ? await deps.provider().Session.findByUid(session.uid) : undefined;
      const loginTs = stored?.accountId === session.accountId ? stored.loginTs : undefined;
      if (loginTs === undefined) return false;
      const clientId = String(interaction.params.client_id);
      const acrValues = interaction.params.acr_values as string | undefined;
      // A passkey to be created (no factor, or TOTP first) is a new factor too.
      const { requirement, enrolls } = await deps.mfaPolicy.stepUp(session.accountId, clientId, acrValues);
      if (enrolls && !signedInWithin(loginTs, epochSeconds(deps.clock), deps.recentLoginSeconds)) return false;
      await begin(ctx, interaction, {
        accountId: session.accountId,
        stage: requirement === 'none' ? 'challenge' : stageFor(requirement),
        amr: session.amr?.length ? session.amr : [AMR.password],
        loginTs,
      });
      return true;
    },

    mount(router: Router) {
      router.get('/:uid/mfa', async (ctx) => {
        const interaction = await steps.load(ctx, 'login');
        const pending = await findPending(interaction.uid);
        if (pending?.stage === 'challenge') return renderChallenge(ctx, interaction, pending, undefined, ctx.query.added === '1' ? PASSKEY_ADDED : undefined);
        if (pending?.stage === 'enroll') return renderEnrollment(ctx, interaction, pending);
        if (pending?.stage === 'enroll_passkey') return enrollment.render(ctx, interaction, pending);
        throw mfaStepInvalid();
      });

      router.post('/:uid/mfa', steps.forms, requireCsrf(), async (ctx) => {
        const interaction = await steps.load(ctx, 'login');
        const pending = await pendingFor(ctx, interaction, 'challenge');
        const form = parseInput(codeForm, ctx.request.body);
        if (!(await withinLimits(ctx, interaction, pending))) return;
        // A code is phishable: it never satisfies a request for phishing-resistant sign-in. Without a
        // passkey yet, it proves the person before they create one (enroll-routes.ts), then use it.
        const demand = await deps.mfaPolicy.passkeyDemand(pending.accountId, String(interaction.params.client_id), interaction.params.acr_values as string | undefined);
        const createPasskey = demand === 'enroll';
        if (demand === 'use') {
          ctx.status = 400;
          return renderChallenge(ctx, interaction, pending, PASSKEY_REQUIRED, undefined, true);
        }
        const result = await deps.mfa.verifySecondFactor(pending.accountId, form.code);
        if (!result.ok) {
          await recordFailure(ctx, interaction, pending, 'challenge');
          return renderChallenge(ctx, interaction, pending, CODE_REJECTED);
        }
        await deps.mfaProtection.recordSuccess(pending.accountId, ctx.ip);
        await deps.audit.record({
          type: result.method === 'recovery_code' ? 'mfa.recovery_code_used' : 'mfa.succeeded',
          accountId: pending.accountId,
          clientId: String(interaction.params.client_id),
          origin: requestOriginOf(ctx.req),
          detail: { method: result.method, ...(result.method === 'recovery_code' ? { remaining: result.recoveryCodesRemaining } : {}) },
        });
        const method = result.method === 'recovery_code' ? AMR.recoveryCode : AMR.otp;
        if (createPasskey) {
          await deps.pendingLogins.save(interaction.uid, { ...pending, stage: 'enroll_passkey', amr: [...new Set([...pending.amr, method])] });
          ctx.redirect(mfaPath(interaction));
          ctx.status = 303;
          return;
        }
        await deps.afterSecondFactor?.(ctx, interaction, pending.accountId);
        return steps.completeLogin(ctx, interaction, {
          accountId: pending.accountId,
          amr: [...new Set([...pending.amr, method, AMR.multiFactor])],
          acr: ACR_MFA,
          loginTs: pending.loginTs,
          remember: pending.remember,
        });
      });

      router.post('/:uid/mfa/passkey', steps.forms, requireCsrf(), async (ctx) => {
        const interaction = await steps.load(ctx, 'login');
        const pending = await pendingFor(ctx, interaction, 'challenge');
        const form = parseInput(passkeyForm, ctx.request.body);
        if (!deps.passkeys) throw new AppError('NOT_FOUND', 404, 'Not found.');
        if (!(await withinLimits(ctx, interaction, pending))) return;
        const result = await deps.passkeys.authenticate(`mfa:${interaction.uid}`, 'second_factor', form.response);
        const clientId = String(interaction.params.client_id);
        if (!result.ok) {
          await recordPasskeyRefusal(deps, ctx, { ...result, accountId: pending.accountId }, 'second_factor', clientId);
          await recordFailure(ctx, interaction, pending, 'passkey');
          return renderChallenge(ctx, interaction, pending, PASSKEY_REJECTED);
        }
        await deps.mfaProtection.recordSuccess(pending.accountId, ctx.ip);
        await deps.audit.record({
          type: 'passkey.used', accountId: pending.accountId, clientId, origin: requestOriginOf(ctx.req),
          detail: { passkeyId: result.passkey.id, stage: 'second_factor', userVerified: result.userVerified },
        });
        await deps.afterSecondFactor?.(ctx, interaction, pending.accountId);
        return steps.completeLogin(ctx, interaction, {
          accountId: pending.accountId,
          amr: [...new Set([...pending.amr, ...result.amr, AMR.multiFactor])],
          acr: ACR_PHISHING_RESISTANT,
          loginTs: pending.loginTs,
          remember: pending.remember,
        });
      });

      router.post('/:uid/mfa/enroll', steps.forms, requireCsrf(), async (ctx) => {
        const interaction = await steps.load(ctx, 'login');
        const pending = await pendingFor(ctx, interaction, 'enroll');
        const form = parseInput(codeForm, ctx.request.body);
        if (!(await withinLimits(ctx, interaction, pending))) return;
        const codes = await deps.mfa.confirmTotpEnrollment(pending.accountId, form.code);
        if (!codes) {
          await recordFailure(ctx, interaction, pending, 'enroll');
          return renderEnrollment(ctx, interaction, pending, CODE_REJECTED);
        }
        await deps.mfaProtection.recordSuccess(pending.accountId, ctx.ip);
        await deps.audit.record({
          type: 'mfa.enrolled',
          accountId: pending.accountId,
          clientId: String(interaction.params.client_id),
          origin: requestOriginOf(ctx.req),
          detail: { method: 'totp', during: 'login' },
        });
        await deps.pendingLogins.save(interaction.uid, { ...pending, stage: 'recovery_codes', amr: [...new Set([...pending.amr, AMR.otp, AMR.multiFactor])] });
        // The codes exist in clear only in this response; it must not be cached anywhere.
        ctx.set('Cache-Control', 'no-store');
        ctx.type = 'html';
        ctx.body = deps.render('mfa-recovery-codes', { codes, csrf: steps.csrf(ctx), action: `${mfaPath(interaction)}/continue` });
      });

      router.post('/:uid/mfa/continue', steps.forms, requireCsrf(), async (ctx) => {
        const interaction = await steps.load(ctx, 'login');
        parseInput(continueForm, ctx.request.body);
        const pending = await pendingFor(ctx, interaction, 'recovery_codes');
        await deps.afterSecondFactor?.(ctx, interaction, pending.accountId);
        return steps.completeLogin(ctx, interaction, { accountId: pending.accountId, amr: pending.amr, acr: ACR_MFA, loginTs: pending.loginTs, remember: pending.remember });
      });

      enrollment.mount(router);
    },
  };
}

import Router from '@koa/router';
import type { Context } from 'koa';
import QRCode from 'qrcode';
import { z } from 'zod';
import type { ConfirmPassword } from '../accounts/password-confirmation.js';
import type { AccountRow } from '../accounts/queries.js';
import { reauthenticated, type AccountAuth } from '../accounts/routes/account-auth.js';
import { forms, originOf, renderPage, seeOther, withFormErrors, type PageDeps } from '../accounts/routes/page-kit.js';
import type { AuditRecorder } from '../audit/recorder.js';
import { requireCsrf } from '../http/csrf.js';
import { parseInput } from '../http/validate.js';
import type { LoginProtection } from '../ratelimit/login-protection.js';
import type { MfaService } from './service.js';
import { msg, type Text } from '../i18n/catalogs.js';

const passwordForm = z.object({ csrf: z.string().max(256), password: z.string().max(4096).default('') });
const codeForm = z.object({ csrf: z.string().max(256), code: z.string().trim().min(1, 'Enter the code from the app.').max(32) });

const DONE: Record<string, string> = {
  removed: 'securityPage.twoStepVerificationIsOff',
};

export interface SecurityRouterDeps extends PageDeps {
  auth: AccountAuth;
  mfa: MfaService;
  audit: AuditRecorder;
  confirmPassword: ConfirmPassword;
  mfaProtection: LoginProtection;
}

/**
 * /account/security: a signed-in person turns TOTP on or off and gets new recovery codes. Each change
 * asks for the password again first (a session left open on a shared computer must not be enough),
 * and the page says how many recovery codes are left.
 */
export function createSecurityRouter(deps: SecurityRouterDeps): Router {
  const router = new Router({ prefix: '/account/security' });
  const path = '/account/security';

  async function signedIn(ctx: Context): Promise<AccountRow | undefined> {
    const current = await deps.auth.current(ctx);
    if (!current) deps.auth.startLogin(ctx, path);
    return current?.account;
  }

  async function render(ctx: Context, account: AccountRow, extra: Record<string, unknown> = {}, status = 200) {
    const status_ = await deps.mfa.status(account.id);
    renderPage(deps, ctx, 'account-security', { account, mfa: status_, done: typeof ctx.query.done === 'string' ? DONE[ctx.query.done] : undefined, ...extra }, status);
  }

  async function renderEnrollment(ctx: Context, account: AccountRow, error?: Text, status = 200) {
    const enrollment = await deps.mfa.pendingEnrollment(account.id, account.email);
    if (!enrollment) return seeOther(ctx, path);
    await render(
      ctx,
      account,
      { enrollment: { qrDataUrl: await QRCode.toDataURL(enrollment.uri, { margin: 1, width: 200 }), manualKey: enrollment.secret.replace(/(.{4})/g, '$1 ').trim() }, error },
      status,
    );
  }

  /** Runs a change that needs the password re-entered; a wrong one re-renders the page with the reason. */
  function withPassword(change: (ctx: Context, account: AccountRow) => Promise<void>) {
    return async (ctx: Context) => {
      const current = await deps.auth.current(ctx);
      if (!current) return deps.auth.startLogin(ctx, path);
      const { account } = current;
      const form = parseInput(passwordForm, ctx.request.body);
      await withFormErrors(
        ctx,
        async () => {
          if (!(await reauthenticated(ctx, deps, current, form.password, path))) return;
          await change(ctx, account);
        },
        (error, status) => render(ctx, account, { error }, status),
      );
    };
  }

  router.get('/', async (ctx) => {
    const account = await signedIn(ctx);
    if (account) await render(ctx, account);
  });

  router.post('/totp/start', forms, requireCsrf(), withPassword(async (ctx, account) => {
    await deps.mfa.beginTotpEnrollment(account.id, account.email);
    await renderEnrollment(ctx, account);
  }));

  router.post('/totp/confirm', forms, requireCsrf(), async (ctx) => {
    const account = await signedIn(ctx);
    if (!account) return;
    const form = parseInput(codeForm, ctx.request.body);
    const decision = await deps.mfaProtection.beforeAttempt(ctx.ip, account.id);
    if (!decision.allowed) {
      ctx.set('Retry-After', String(decision.retryAfter));
      return renderEnrollment(ctx, account, msg('error.tooManyAttemptsSeconds', { seconds: decision.retryAfter }), 429);
    }
    const codes = await deps.mfa.confirmTotpEnrollment(account.id, form.code);
    if (!codes) {
      await deps.mfaProtection.recordFailure(account.id, ctx.ip);
      return renderEnrollment(ctx, account, 'error.codeRejected', 400);
    }
    await deps.mfaProtection.recordSuccess(account.id, ctx.ip);
    await deps.audit.record({ type: 'mfa.enrolled', accountId: account.id, origin: originOf(ctx), detail: { method: 'totp', during: 'account' } });
    await render(ctx, account, { codes });
  });

  router.post('/totp/remove', forms, requireCsrf(), withPassword(async (ctx, account) => {
    const removed = await deps.mfa.removeAll(account.id);
    if (removed) await deps.audit.record({ type: 'mfa.removed', accountId: account.id, origin: originOf(ctx), detail: { method: 'totp' } });
    seeOther(ctx, `${path}?done=removed`);
  }));

  router.post('/recovery-codes', forms, requireCsrf(), withPassword(async (ctx, account) => {
    const codes = await deps.mfa.regenerateRecoveryCodes(account.id);
    await deps.audit.record({ type: 'mfa.recovery_codes_regenerated', accountId: account.id, origin: originOf(ctx) });
    await render(ctx, account, { codes });
  }));

  return router;
}

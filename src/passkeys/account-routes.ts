import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { ConfirmPassword } from '../accounts/password-confirmation.js';
import { reauthenticated, type AccountAuth, type SignedIn } from '../accounts/routes/account-auth.js';
import { forms, originOf, renderPage, seeOther, withFormErrors, type PageDeps } from '../accounts/routes/page-kit.js';
import { requireCsrf } from '../http/csrf.js';
import { parseInput } from '../http/validate.js';
import type { LoginProtection } from '../ratelimit/login-protection.js';
import type { PasskeyChanges } from './changes.js';
import { MAX_PASSKEY_NAME_LENGTH } from './policy.js';
import type { PasskeyService } from './service.js';
import { msg } from '../i18n/catalogs.js';

const csrf = z.string().max(256);
const startForm = z.object({ csrf, password: z.string().max(4096).default(''), name: z.string().max(200).default('') });
// The response is the browser's JSON; the form body cap (16 KiB) bounds it, the parser checks its shape.
const finishForm = z.object({ csrf, name: z.string().max(200).default(''), response: z.string().max(16_000) });
const renameForm = z.object({ csrf, name: z.string().trim().min(1, 'Enter a name for the passkey.').max(MAX_PASSKEY_NAME_LENGTH) });
const removeForm = z.object({ csrf, password: z.string().max(4096).default('') });
const idParam = z.object({ id: z.uuid('No such passkey.') });

const DONE: Record<string, string> = {
  added: 'passkeysPage.thePasskeyWasAddedYou',
  renamed: 'passkeysPage.thePasskeyWasRenamed',
  removed: 'passkeysPage.thePasskeyWasRemoved',
};

export const REGISTRATION_REFUSED = 'passkeysPage.registrationRefused';

export interface PasskeyPageDeps extends PageDeps {
  auth: AccountAuth;
  passkeys: PasskeyService;
  changes: PasskeyChanges;
  confirmPassword: ConfirmPassword;
  mfaProtection: LoginProtection;
}

/**
 * /account/passkeys: list, add (after the password again, as every security change), rename and
 * remove passkeys. The registration challenge is bound to this account session.
 */
export function createPasskeyAccountRouter(deps: PasskeyPageDeps): Router {
  const path = '/account/passkeys';
  const router = new Router({ prefix: path });
  const bindingOf = (signed: SignedIn) => `register:${signed.sessionUid}`;

  async function signedIn(ctx: Context): Promise<SignedIn | undefined> {
    const current = await deps.auth.current(ctx);
    if (!current) deps.auth.startLogin(ctx, path);
    return current;
  }

  async function render(ctx: Context, signed: SignedIn, extra: Record<string, unknown> = {}, status = 200) {
    const passkeys = await deps.passkeys.list(signed.account.id);
    const done = typeof ctx.query.done === 'string' ? DONE[ctx.query.done] : undefined;
    renderPage(deps, ctx, 'account-passkeys', { account: signed.account, passwordless: !signed.account.password_hash, passkeys, done, maxNameLength: MAX_PASSKEY_NAME_LENGTH, ...extra }, status);
  }

  router.get('/', async (ctx) => {
    const signed = await signedIn(ctx);
    if (signed) await render(ctx, signed);
  });

  router.post('/start', forms, requireCsrf(), async (ctx) => {
    const signed = await signedIn(ctx);
    if (!signed) return;
    const form = parseInput(startForm, ctx.request.body);
    await withFormErrors(
      ctx,
      async () => {
        if (!(await reauthenticated(ctx, deps, signed, form.password, path))) return;
        const options = await deps.passkeys.registrationOptions(signed.account, bindingOf(signed));
        await render(ctx, signed, { ceremony: { options: JSON.stringify(options), name: form.name.trim().slice(0, MAX_PASSKEY_NAME_LENGTH) } });
      },
      (error, status) => render(ctx, signed, { error }, status),
    );
  });

  router.post('/finish', forms, requireCsrf(), async (ctx) => {
    const signed = await signedIn(ctx);
    if (!signed) return;
    const form = parseInput(finishForm, ctx.request.body);
    const result = await deps.changes.register(signed.account, bindingOf(signed), form.response, form.name, originOf(ctx), { protection: deps.mfaProtection, ip: ctx.ip });
    if (!result.ok && result.reason === 'throttled') {
      ctx.set('Retry-After', String(result.retryAfter));
      return render(ctx, signed, { error: msg('error.tooManyAttemptsSeconds', { seconds: result.retryAfter }) }, 429);
    }
    if (!result.ok) return render(ctx, signed, { error: REGISTRATION_REFUSED }, 400);
    seeOther(ctx, `${path}?done=added`);
  });

  router.post('/:id/rename', forms, requireCsrf(), async (ctx) => {
    const signed = await signedIn(ctx);
    if (!signed) return;
    const { id } = parseInput(idParam, ctx.params);
    const form = parseInput(renameForm, ctx.request.body);
    await deps.changes.rename(signed.account, id, form.name, originOf(ctx));
    seeOther(ctx, `${path}?done=renamed`);
  });

  router.post('/:id/remove', forms, requireCsrf(), async (ctx) => {
    const signed = await signedIn(ctx);
    if (!signed) return;
    const { id } = parseInput(idParam, ctx.params);
    const form = parseInput(removeForm, ctx.request.body);
    await withFormErrors(
      ctx,
      async () => {
        if (!(await reauthenticated(ctx, deps, signed, form.password, path))) return;
        await deps.changes.remove(signed.account, id, { origin: originOf(ctx) });
        seeOther(ctx, `${path}?done=removed`);
      },
      (error, status) => render(ctx, signed, { error }, status),
    );
  });

  return router;
}

import type Router from '@koa/router';
import type { Context } from 'koa';
import { forms, seeOther } from '../accounts/routes/page-kit.js';
import { AppError } from '../errors/app-error.js';
import { requireCsrf } from '../http/csrf.js';
import { isUuid } from '../rbac/subjects.js';
import { fail, loadAccount, text } from './account-kit.js';
import { showPage } from './page-kit.js';
import { confirmPage } from './section-kit.js';
import type { ConsoleRouteDeps } from './routes.js';
import { msg } from '../i18n/catalogs.js';

/**
 * An account's sign-in and access changes: mail a reset link or an invitation (to the person, never
 * shown to the operator), remove the second factor, remove a passkey, revoke an application's grant.
 * Each is one admin API call with the operator's token; removals ask first on a confirmation page.
 */
export function accountChangePages(router: Router, deps: ConsoleRouteDeps): void {
  const { read, write } = deps.guard;
  const back = (ctx: Context, accountId: string, done: string) => seeOther(ctx, `/admin/accounts/${accountId}?done=${done}`);
  /** A passkey id taken from a form or a link: well-formed, or the page is a 404 (never a 500 from the API's lookup). */
  const passkeyIdFrom = (value: unknown) => {
    const id = text(value);
    if (!isUuid(id)) throw new AppError('NOT_FOUND', 404, 'There is no passkey with this id.', { i18n: { key: 'console.accounts.errors.noPasskey' } });
    return id;
  };

  router.post('/admin/accounts/:accountId/send-reset-link', forms, requireCsrf(), write, async (ctx) => {
    const { api, account } = await loadAccount(deps, ctx);
    const answer = await api.call('POST', `/accounts/${account.id}/password-reset`);
    if (answer.status !== 204) fail(answer);
    back(ctx, account.id, 'reset-link-sent');
  });

  router.post('/admin/accounts/:accountId/send-invitation', forms, requireCsrf(), write, async (ctx) => {
    const { api, account } = await loadAccount(deps, ctx);
    const answer = await api.call('POST', `/accounts/${account.id}/invitation`);
    if (answer.status !== 204) fail(answer);
    back(ctx, account.id, 'invitation-sent');
  });

  router.get('/admin/accounts/:accountId/reset-mfa', read, async (ctx) => {
    const { account } = await loadAccount(deps, ctx);
    const confirmation = { heading: 'console.accounts.confirm.resetMfa.heading', message: 'console.accounts.confirm.resetMfa.message', button: 'console.accounts.confirm.resetMfa.button' };
    confirmPage(deps, ctx, 'accounts', confirmation, account.email, `/admin/accounts/${account.id}/reset-mfa`, `/admin/accounts/${account.id}`);
  });
  router.post('/admin/accounts/:accountId/reset-mfa', forms, requireCsrf(), write, async (ctx) => {
    const { api, account } = await loadAccount(deps, ctx);
    const answer = await api.call<{ had_factor: boolean }>('POST', `/accounts/${account.id}/mfa/reset`);
    if (answer.status !== 200) fail(answer);
    back(ctx, account.id, answer.body.had_factor ? 'mfa-reset' : 'mfa-none');
  });

  router.get('/admin/accounts/:accountId/remove-passkey', read, async (ctx) => {
    const { api, account } = await loadAccount(deps, ctx);
    const passkeyId = passkeyIdFrom(ctx.query.passkey);
    const listed = await api.call<{ items: { id: string; name: string }[] }>('GET', `/accounts/${account.id}/passkeys`);
    if (listed.status !== 200) fail(listed);
    const passkey = listed.body.items.find((item) => item.id === passkeyId);
    if (!passkey) throw new AppError('NOT_FOUND', 404, 'This account has no such passkey.', { i18n: { key: 'console.accounts.errors.noSuchPasskey' } });
    showPage(deps, ctx, 'console-confirm', 'accounts', {
      title: 'console.accounts.confirm.removePasskey.title', heading: msg('console.accounts.confirm.removePasskey.heading', { name: passkey.name }),
      message: 'console.accounts.confirm.removePasskey.message', button: 'console.accounts.confirm.removePasskey.button', subject: account.email, action: `/admin/accounts/${account.id}/remove-passkey`, back: `/admin/accounts/${account.id}`, fields: { passkey: passkey.id },
    });
  });
  router.post('/admin/accounts/:accountId/remove-passkey', forms, requireCsrf(), write, async (ctx) => {
    const { api, account } = await loadAccount(deps, ctx);
    const passkeyId = passkeyIdFrom((ctx.request.body as Record<string, unknown>).passkey);
    const answer = await api.call('DELETE', `/accounts/${account.id}/passkeys/${passkeyId}`);
    if (answer.status !== 204) fail(answer);
    back(ctx, account.id, 'passkey-removed');
  });

  // One application's access: the person can consent again, so it needs no confirmation page (like ending one session).
  router.post('/admin/accounts/:accountId/revoke-grant', forms, requireCsrf(), write, async (ctx) => {
    const { api, account } = await loadAccount(deps, ctx);
    const grantId = text((ctx.request.body as Record<string, unknown>).grant).slice(0, 200);
    if (!grantId) throw new AppError('NOT_FOUND', 404, 'This account has no such grant.', { i18n: { key: 'console.accounts.errors.noSuchGrant' } });
    const answer = await api.call('DELETE', `/accounts/${account.id}/grants/${encodeURIComponent(grantId)}`);
    if (answer.status !== 204) fail(answer);
    back(ctx, account.id, 'grant-revoked');
  });
}

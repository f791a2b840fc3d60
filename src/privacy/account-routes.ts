import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { AccountRow } from '../accounts/queries.js';
import type { AccountAuth } from '../accounts/routes/account-auth.js';
import { describeDevice } from '../accounts/routes/device.js';
import { forms, originOf, renderPage, seeOther, withFormErrors, type PageDeps } from '../accounts/routes/page-kit.js';
import type { AuditRecorder } from '../audit/recorder.js';
import { requireCsrf } from '../http/csrf.js';
import { parseInput } from '../http/validate.js';
import type { AccountExport, AccountExportDocument } from './account-export.js';
import type { DeletionDemands, SelfDeletion } from './self-deletion.js';
import { msg, type Text } from '../i18n/catalogs.js';

const deleteForm = z.object({
  csrf: z.string().max(256),
  password: z.string().max(4096),
  code: z.string().max(64).optional(),
});

export interface PrivacyRouterDeps extends PageDeps {
  auth: AccountAuth;
  accountExport: AccountExport;
  selfDeletion: SelfDeletion;
  audit: AuditRecorder;
  clientName: (clientId: string) => Promise<string | undefined>;
}

/**
 * The person's own rights on the account pages (docs/privacy.md): "Download my data" as one JSON file
 * and as a readable page, both from the same export as the admin API; and "Delete my account".
 */
export function createPrivacyRouter(deps: PrivacyRouterDeps): Router {
  const router = new Router({ prefix: '/account' });

  async function signedIn(ctx: Context, returnTo: string): Promise<AccountRow | undefined> {
    const current = await deps.auth.current(ctx);
    if (!current) deps.auth.startLogin(ctx, returnTo);
    return current?.account;
  }

  async function exported(ctx: Context, account: AccountRow, as: 'file' | 'page'): Promise<AccountExportDocument> {
    const document = await deps.accountExport.exportAccount(account.id);
    await deps.audit.record({
      type: 'account.exported', accountId: account.id, origin: originOf(ctx),
      detail: { target: { type: 'account', id: account.id, name: account.email }, events: document.events.length, as },
    });
    return document;
  }

  router.get('/data', async (ctx) => {
    const account = await signedIn(ctx, '/account/data');
    if (!account) return;
    const document = await exported(ctx, account, 'page');
    const names = new Map<string, string>();
    for (const app of document.applications ?? []) names.set(app.client_id, (await deps.clientName(app.client_id)) ?? app.client_id);
    renderPage(deps, ctx, 'account-data', {
      account,
      data: document,
      json: (value: unknown) => (value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value)),
      when: (value: Date | string | null) => (value ? new Date(value).toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : '—'),
      device: describeDevice,
      clientName: (id: string) => names.get(id) ?? id,
    });
  });

  // The file: the same document as GET /admin/api/v1/accounts/{id}/export.
  router.get('/data/export.json', async (ctx) => {
    const account = await signedIn(ctx, '/account/data');
    if (!account) return;
    const document = await exported(ctx, account, 'file');
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Disposition', `attachment; filename="account-${account.id}.json"`);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.type = 'application/json; charset=utf-8';
    ctx.body = JSON.stringify(document, null, 2);
  });

  function renderDelete(ctx: Context, account: AccountRow, demands: DeletionDemands, error?: Text, status = 200) {
    renderPage(deps, ctx, 'account-delete', { account, error, needsCode: demands.code, graceDays: deps.selfDeletion.graceDays }, status);
  }

  /**
   * The signed-in person and what deleting asks of them (asked once per request), sent through a
   * fresh sign-in first when their passkey must be shown again.
   */
  async function signedInToDelete(ctx: Context) {
    const current = await deps.auth.current(ctx);
    if (!current) return void deps.auth.startLogin(ctx, '/account/delete');
    const demands = await deps.selfDeletion.demands(current.account, current);
    if (demands.freshSignIn) return void deps.auth.startLogin(ctx, '/account/delete', true);
    return { current, demands };
  }

  router.get('/delete', async (ctx) => {
    const signed = await signedInToDelete(ctx);
    if (signed) renderDelete(ctx, signed.current.account, signed.demands);
  });

  router.post('/delete', forms, requireCsrf(), async (ctx) => {
    const signed = await signedInToDelete(ctx);
    if (!signed) return;
    const { current, demands } = signed;
    const { account } = current;
    const form = parseInput(deleteForm, ctx.request.body);
    await withFormErrors(
      ctx,
      async () => {
        const outcome = await deps.selfDeletion.request(account, originOf(ctx), { password: form.password, code: form.code, signedIn: current }, demands);
        seeOther(ctx, outcome.scheduled ? '/account/deletion-scheduled' : '/account/deleted');
      },
      (error, status) => renderDelete(ctx, account, demands, error, status),
    );
  });

  // Shown after the account (and so the session) is gone: they show no account data.
  router.get('/deleted', (ctx) =>
    renderPage(deps, ctx, 'notice', {
      title: 'privacyPage.accountDeleted',
      heading: 'privacyPage.yourAccountWasDeleted',
      message: 'privacyPage.everySessionAndApplicationAccess',
    }),
  );

  router.get('/deletion-scheduled', (ctx) =>
    renderPage(deps, ctx, 'notice', {
      title: 'privacyPage.accountDeletionScheduled',
      heading: 'privacyPage.yourAccountWillBeDeleted',
      message: msg('privacyPage.scheduledMessage', { days: deps.selfDeletion.graceDays }),
    }),
  );

  return router;
}

import type Router from '@koa/router';
import type { Context } from 'koa';
import { forms, seeOther } from '../accounts/routes/page-kit.js';
import { requireCsrf } from '../http/csrf.js';
import { apiOf, fail, fieldErrorOf, text, type Account } from './account-kit.js';
import { showPage } from './page-kit.js';
import type { ConsoleRouteDeps } from './routes.js';
import { msg, type Msg } from '../i18n/catalogs.js';

/** The create form as typed (a refused form comes back as it was sent, the password excepted). */
interface CreateForm {
  email: string;
  name: string;
  /** invite: mail a link to set a password; password: the operator sets one now. */
  access: 'invite' | 'password';
}

/**
 * Create an account, and invite the person by email (POST /accounts with send_invitation: one admin
 * API call, so the account and its invitation are made together or not at all) or give it a
 * password now.
 */
export function accountCreatePages(router: Router, deps: ConsoleRouteDeps): void {
  const { read, write } = deps.guard;
  const show = (ctx: Context, form: CreateForm, error?: { field: string; message: Msg }) =>
    showPage(deps, ctx, 'console-account-new', 'accounts', { title: 'console.accounts.new.title', form, error }, error ? 400 : 200);

  router.get('/admin/accounts/new', read, (ctx) => show(ctx, { email: '', name: '', access: 'invite' }));

  router.post('/admin/accounts/new', forms, requireCsrf(), write, async (ctx) => {
    const body = ctx.request.body as Record<string, unknown>;
    const form: CreateForm = { email: text(body.email).trim().slice(0, 500), name: text(body.name).slice(0, 500), access: body.access === 'password' ? 'password' : 'invite' };
    const name = form.name.trim();
    const answer = await apiOf(deps, ctx).call<Account>('POST', '/accounts', {
      email: form.email,
      ...(name ? { name } : {}),
      ...(form.access === 'password' ? { password: text(body.password).slice(0, 2000) } : { send_invitation: true }),
    });
    const problem = fieldErrorOf(answer);
    if (problem) return show(ctx, form, { ...problem, field: problem.field === 'send_invitation' ? 'password' : problem.field });
    if (answer.status === 409) return show(ctx, form, { field: 'email', message: msg('console.accounts.new.emailTaken') });
    if (answer.status !== 201) fail(answer);
    seeOther(ctx, `/admin/accounts/${answer.body.id}?done=${form.access === 'invite' ? 'account-invited' : 'account-created'}`);
  });
}

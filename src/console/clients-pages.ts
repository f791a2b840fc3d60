import type Router from '@koa/router';
import type { Context } from 'koa';
import { forms, seeOther } from '../accounts/routes/page-kit.js';
import { ACCOUNT_CONSOLE_CLIENT_ID } from '../clients/account-console.js';
import { ADMIN_CONSOLE_CLIENT_ID } from '../clients/admin-console.js';
import { AppError } from '../errors/app-error.js';
import { requireCsrf } from '../http/csrf.js';
import type { AdminApi, ApiAnswer, Problem } from './admin-api.js';
import { msg, type Msg } from '../i18n/catalogs.js';
import { showPage } from './page-kit.js';
import type { ConsoleRouteDeps } from './routes.js';
import type { Sealer } from './seal.js';
import { secretFlash } from './secret-flash.js';
import { apiOf, confirmPage, fail, lines, listPage, text } from './section-kit.js';

/** The clients the server registers for itself: shown, never changed here (every start would undo it). */
const BUILT_IN = new Set([ACCOUNT_CONSOLE_CLIENT_ID, ADMIN_CONSOLE_CLIENT_ID]);

interface Client {
  client_id: string;
  name: string;
  type: 'web' | 'spa' | 'native' | 'machine';
  first_party: boolean;
  require_mfa: boolean;
  require_phishing_resistant: boolean;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  default_max_age: number | null;
  token_endpoint_auth_method: string;
  created_at: string;
}

/** The fields of the client form, as typed (so a refused form comes back as it was sent). */
interface ClientForm {
  name: string;
  type: string;
  redirect_uris: string;
  post_logout_redirect_uris: string;
  first_party: boolean;
  require_mfa: boolean;
  require_phishing_resistant: boolean;
  default_max_age: string;
}


function formOf(body: Record<string, unknown>): ClientForm {
  return {
    name: text(body.name, 500),
    type: text(body.type),
    redirect_uris: text(body.redirect_uris, 10_000),
    post_logout_redirect_uris: text(body.post_logout_redirect_uris, 10_000),
    first_party: body.first_party === 'yes',
    require_mfa: body.require_mfa === 'yes',
    require_phishing_resistant: body.require_phishing_resistant === 'yes',
    default_max_age: text(body.default_max_age, 20).trim(),
  };
}

/** A number of seconds, or the text as typed so the admin API names the field when it is not one. */
const seconds = (value: string) => (/^\d{1,12}$/.test(value) ? Number(value) : value);

/**
 * A validation problem from the admin API, placed next to the form field it names. The API's reason is
 * English (it is the API's language); the sentence around it comes from the catalogs.
 */
function fieldErrorOf(answer: ApiAnswer<unknown>): { field: string; message: Msg } | undefined {
  const problem = answer.body as Problem & { field?: string };
  if (answer.status !== 400) return undefined;
  const field = (problem.field ?? '').split(/[.[]/)[0] || 'form';
  return { field, message: msg('console.common.notAccepted', { reason: (problem.detail ?? '').replace(/^[\w.[\]]+: /, '') }) };
}

/**
 * Clients: the list (the admin API's cursors), registration (the secret shown once), one client's
 * redirect URIs and policies (first-party, require MFA, session max age), secret rotation and
 * deletion, each behind a confirmation page. A secret travels from the POST to the page after the
 * 303 in a sealed cookie that lives a minute and is read once.
 */
export function clientPages(router: Router, deps: ConsoleRouteDeps & { secrets: Sealer }): void {
  const { read, write } = deps.guard;

  const flash = secretFlash(deps, 'client', '/admin/clients');
  const flashSecret = flash.put;
  const takeSecret = flash.take;

  router.get('/admin/clients', read, async (ctx) => {
    const page = await listPage<Client>(ctx, apiOf(deps, ctx), '/clients', '/admin/clients');
    if (page) showPage(deps, ctx, 'console-clients', 'clients', { title: 'console.clients.title', clients: page.items, builtIn: [...BUILT_IN], nextHref: page.nextHref, firstPage: page.firstPage });
  });

  const blank: ClientForm = { name: '', type: 'web', redirect_uris: '', post_logout_redirect_uris: '', first_party: false, require_mfa: false, require_phishing_resistant: false, default_max_age: '' };
  router.get('/admin/clients/new', read, (ctx) => {
    showPage(deps, ctx, 'console-client-new', 'clients', { title: 'console.clients.register', form: blank });
  });

  router.post('/admin/clients/new', forms, requireCsrf(), write, async (ctx) => {
    const form = formOf(ctx.request.body as Record<string, unknown>);
    const maxAge = form.default_max_age === '' ? undefined : seconds(form.default_max_age);
    const machine = form.type === 'machine';
    const answer = await apiOf(deps, ctx).call<Client & { client_secret?: string }>('POST', '/clients', {
      name: form.name,
      type: form.type,
      redirect_uris: machine ? [] : lines(form.redirect_uris),
      post_logout_redirect_uris: machine ? [] : lines(form.post_logout_redirect_uris),
      first_party: form.first_party,
      require_mfa: form.require_mfa,
      require_phishing_resistant: form.require_phishing_resistant,
      ...(maxAge === undefined ? {} : { default_max_age: maxAge }),
    });
    const problem = fieldErrorOf(answer);
    if (problem) return showPage(deps, ctx, 'console-client-new', 'clients', { title: 'console.clients.register', form, error: problem }, 400);
    if (answer.status !== 201) fail(answer);
    if (answer.body.client_secret) await flashSecret(ctx, answer.body.client_id, answer.body.client_secret);
    seeOther(ctx, `/admin/clients/${encodeURIComponent(answer.body.client_id)}?done=client-created`);
  });

  async function loadClient(ctx: Context): Promise<{ api: AdminApi; client: Client }> {
    const api = apiOf(deps, ctx);
    const answer = await api.call<Client>('GET', `/clients/${encodeURIComponent(ctx.params.clientId)}`);
    if (answer.status !== 200) fail(answer);
    return { api, client: answer.body };
  }
  const editable = (client: Client) => {
    if (BUILT_IN.has(client.client_id)) {
      throw new AppError('BUILT_IN_CLIENT', 409, 'This client belongs to the server itself and is registered again at every start; it cannot be changed here.', { i18n: { key: 'console.clients.builtInRefused' } });
    }
  };
  const formFromClient = (client: Client): ClientForm => ({
    name: client.name, type: client.type, redirect_uris: client.redirect_uris.join('\n'), post_logout_redirect_uris: client.post_logout_redirect_uris.join('\n'),
    first_party: client.first_party, require_mfa: client.require_mfa, require_phishing_resistant: client.require_phishing_resistant, default_max_age: client.default_max_age === null ? '' : String(client.default_max_age),
  });
  const showClient = (ctx: Context, client: Client, extra: Record<string, unknown> = {}, status = 200) =>
    showPage(deps, ctx, 'console-client', 'clients', { title: client.name, client, builtIn: BUILT_IN.has(client.client_id), form: formFromClient(client), ...extra }, status);

  router.get('/admin/clients/:clientId', read, async (ctx) => {
    const { client } = await loadClient(ctx);
    showClient(ctx, client, { secret: await takeSecret(ctx, client.client_id) });
  });

  router.post('/admin/clients/:clientId/edit', forms, requireCsrf(), write, async (ctx) => {
    const { api, client } = await loadClient(ctx);
    editable(client);
    const form = formOf(ctx.request.body as Record<string, unknown>);
    const machine = client.type === 'machine';
    const answer = await api.call<Client>('PATCH', `/clients/${encodeURIComponent(client.client_id)}`, {
      name: form.name,
      ...(machine ? {} : { redirect_uris: lines(form.redirect_uris), post_logout_redirect_uris: lines(form.post_logout_redirect_uris) }),
      first_party: form.first_party,
      require_mfa: form.require_mfa,
      require_phishing_resistant: form.require_phishing_resistant,
      default_max_age: form.default_max_age === '' ? null : seconds(form.default_max_age),
    });
    const problem = fieldErrorOf(answer);
    if (problem) return showClient(ctx, client, { form: { ...form, type: client.type }, error: problem }, 400);
    if (answer.status !== 200) fail(answer);
    seeOther(ctx, `/admin/clients/${encodeURIComponent(client.client_id)}?done=client-saved`);
  });

  // Catalog keys of each confirmation page.
  const confirmations: Record<string, { heading: string; message: string; button: string }> = {
    'rotate-secret': { heading: 'console.clients.confirm.rotate.heading', message: 'console.clients.confirm.rotate.message', button: 'console.clients.confirm.rotate.button' },
    delete: { heading: 'console.clients.confirm.delete.heading', message: 'console.clients.confirm.delete.message', button: 'console.clients.confirm.delete.button' },
  };
  for (const action of Object.keys(confirmations)) {
    router.get(`/admin/clients/:clientId/${action}`, read, async (ctx) => {
      const { client } = await loadClient(ctx);
      editable(client);
      const id = encodeURIComponent(client.client_id);
      confirmPage(deps, ctx, 'clients', confirmations[action], client.name, `/admin/clients/${id}/${action}`, `/admin/clients/${id}`);
    });
  }

  router.post('/admin/clients/:clientId/rotate-secret', forms, requireCsrf(), write, async (ctx) => {
    const { api, client } = await loadClient(ctx);
    editable(client);
    const answer = await api.call<{ client_id: string; client_secret: string }>('POST', `/clients/${encodeURIComponent(client.client_id)}/secret`);
    if (answer.status !== 200) fail(answer);
    await flashSecret(ctx, client.client_id, answer.body.client_secret);
    seeOther(ctx, `/admin/clients/${encodeURIComponent(client.client_id)}?done=secret-rotated`);
  });

  router.post('/admin/clients/:clientId/delete', forms, requireCsrf(), write, async (ctx) => {
    const { api, client } = await loadClient(ctx);
    editable(client);
    const answer = await api.call('DELETE', `/clients/${encodeURIComponent(client.client_id)}`);
    if (answer.status !== 204) fail(answer);
    seeOther(ctx, '/admin/clients?done=client-deleted');
  });
}

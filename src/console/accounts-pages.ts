import type Router from '@koa/router';
import type { Context } from 'koa';
import { forms, seeOther } from '../accounts/routes/page-kit.js';
import { requireCsrf } from '../http/csrf.js';
import { isUuid } from '../rbac/subjects.js';
import { accountChangePages } from './account-change-pages.js';
import { accountCreatePages } from './account-create-pages.js';
import { apiOf, fail, loadAccount as load, type Account, type Page } from './account-kit.js';
import { accountMembershipPages } from './account-membership-pages.js';
import { query, type AdminApi, type Problem } from './admin-api.js';
import { showPage } from './page-kit.js';
import type { ConsoleRouteDeps } from './routes.js';
import { msg, type Msg } from '../i18n/catalogs.js';
import { confirmPage, cursorOf, type Confirmation } from './section-kit.js';

const PAGE_SIZE = 25;
/** What starts an attribute search in the search field. */
const ATTRIBUTE_PREFIX = 'attr:';

/** The account page's "Recent activity": the account's newest events. */
const RECENT_EVENTS = 20;

/** Why an attribute search was refused: the API's reason (English, the API's language) inside a sentence of the catalogs. */
function attributeRefusal(detail: string | undefined): Msg {
  const example = { form: 'attr:name=value', example: 'attr:department=sales' };
  const reason = detail?.replace(/^attribute: /, '');
  return reason ? msg('console.accounts.search.attributeRefused', { reason, ...example }) : msg('console.accounts.search.notAnAttributeSearch', example);
}

interface Passkey {
  id: string;
  name: string;
  authenticator: string | null;
  synced: boolean;
  created_at: string;
  last_used_at: string | null;
}

interface Grant {
  grant_id: string;
  client_id: string;
  scope: string | null;
  resources: Record<string, string>;
  created_at: string;
}

interface Identity {
  display_name: string;
  subject: string;
  email: string | null;
  created_at: string;
  last_login_at: string | null;
}

interface AccountEvent {
  id: string;
  type: string;
  outcome: string;
  occurred_at: string;
  actor_type: string;
  actor_id: string | null;
  client_id: string | null;
}

interface Session {
  uid: string;
  login_at: string | null;
  expires_at: string | null;
  client_ids: string[];
}

/**
 * Accounts: search by exact email or id, browse page by page with the admin API's cursors, one
 * account's details and sessions, and the changes (disable, enable, unlock, end sessions), each an
 * admin API call made with the operator's token, so its rule and its audit event are the API's.
 */
export function accountPages(router: Router, deps: ConsoleRouteDeps): void {
  const { read, write } = deps.guard;
  // Before /admin/accounts/:accountId, which would take "new" for an id.
  accountCreatePages(router, deps);

  router.get('/admin/accounts', read, async (ctx) => {
    const api = apiOf(deps, ctx);
    const q = typeof ctx.query.q === 'string' ? ctx.query.q.trim().slice(0, 254) : '';
    const cursor = cursorOf(ctx);
    const locked = ctx.query.locked === '1';
    let accounts: Account[] = [];
    let nextCursor: string | null = null;
    let searchError: Msg | undefined;
    if (q && isUuid(q)) {
      const answer = await api.call<Account>('GET', `/accounts/${q}`);
      if (answer.status === 200) accounts = [answer.body];
      else if (answer.status !== 404) fail(answer);
    } else {
      // attr:department=sales searches an attribute; anything else an email prefix or the words of a name.
      const attribute = q.toLowerCase().startsWith(ATTRIBUTE_PREFIX) ? q.slice(ATTRIBUTE_PREFIX.length).trim() : undefined;
      const filter = { limit: PAGE_SIZE, cursor, locked: locked ? 'true' : undefined, ...(attribute === undefined ? { search: q || undefined } : { attribute }) };
      const answer = await api.call<Page<Account>>('GET', `/accounts${query(filter)}`);
      if (answer.status === 400 && cursor) return seeOther(ctx, `/admin/accounts${query({ q, locked: locked ? '1' : undefined })}`);
      if (answer.status === 400) searchError = attribute === undefined ? msg('console.accounts.search.notASearch') : attributeRefusal((answer.body as unknown as Problem).detail);
      else if (answer.status !== 200) fail(answer);
      else {
        accounts = answer.body.items;
        nextCursor = answer.body.next_cursor;
      }
    }
    const nextHref = nextCursor ? `/admin/accounts${query({ q, cursor: nextCursor, locked: locked ? '1' : undefined })}` : undefined;
    const firstHref = `/admin/accounts${query({ q, locked: locked ? '1' : undefined })}`;
    showPage(deps, ctx, 'console-accounts', 'accounts', { title: 'console.accounts.title', accounts, q, locked, searchError, nextHref, firstHref, firstPage: !cursor }, searchError ? 400 : 200);
  });

  const loadAccount = (ctx: Context) => load(deps, ctx);

  router.get('/admin/accounts/:accountId', read, async (ctx) => {
    const { api, account } = await loadAccount(ctx);
    const id = account.id;
    // Read in turn, not at once: each is a whole request through the application, and PGlite has one connection.
    const sessions = await api.call<Page<Session>>('GET', `/accounts/${id}/sessions${query({ limit: 50 })}`);
    const passkeys = await api.call<{ items: Passkey[] }>('GET', `/accounts/${id}/passkeys`);
    const grants = await api.call<Page<Grant>>('GET', `/accounts/${id}/grants${query({ limit: 50 })}`);
    const identities = await api.call<{ items: Identity[] }>('GET', `/accounts/${id}/identities`);
    const events = await api.call<{ items: AccountEvent[] }>('GET', `/events${query({ account: id, limit: RECENT_EVENTS })}`);
    for (const answer of [sessions, passkeys, grants, identities, events]) if (answer.status !== 200) fail(answer);
    showPage(deps, ctx, 'console-account', 'accounts', {
      title: account.email, account, tab: 'overview',
      sessions: sessions.body.items, passkeys: passkeys.body.items, grants: grants.body.items, identities: identities.body.items, events: events.body.items,
    });
  });

  // Destructive changes ask first, on a page of their own (no script needed to confirm).
  const confirmations: Record<string, Confirmation> = {
    disable: { heading: 'console.accounts.confirm.disable.heading', message: 'console.accounts.confirm.disable.message', button: 'console.accounts.confirm.disable.button' },
    'end-sessions': { heading: 'console.accounts.confirm.endSessions.heading', message: 'console.accounts.confirm.endSessions.message', button: 'console.accounts.confirm.endSessions.button' },
  };
  for (const action of Object.keys(confirmations)) {
    router.get(`/admin/accounts/:accountId/${action}`, read, async (ctx) => {
      const { account } = await loadAccount(ctx);
      confirmPage(deps, ctx, 'accounts', confirmations[action], account.email, `/admin/accounts/${account.id}/${action}`, `/admin/accounts/${account.id}`);
    });
  }

  /** One change through the admin API, then back to the account's page with a notice. */
  const change = (call: (api: AdminApi, accountId: string) => Promise<{ status: number; body: unknown }>, done: string) =>
    async (ctx: Context) => {
      const { api, account } = await loadAccount(ctx);
      const answer = await call(api, account.id);
      if (answer.status >= 300) fail(answer);
      seeOther(ctx, `/admin/accounts/${account.id}?done=${done}`);
    };

  router.post('/admin/accounts/:accountId/disable', forms, requireCsrf(), write, change((api, id) => api.call('PATCH', `/accounts/${id}`, { status: 'disabled' }), 'disabled'));
  router.post('/admin/accounts/:accountId/enable', forms, requireCsrf(), write, change((api, id) => api.call('PATCH', `/accounts/${id}`, { status: 'active' }), 'enabled'));
  router.post('/admin/accounts/:accountId/unlock', forms, requireCsrf(), write, change((api, id) => api.call('POST', `/accounts/${id}/unlock`), 'unlocked'));
  // One session: ending it signs the person out of one browser only, so it needs no confirmation page.
  router.post('/admin/accounts/:accountId/sessions/:sessionUid/end', forms, requireCsrf(), write, async (ctx) => {
    const { api, account } = await loadAccount(ctx);
    const answer = await api.call('DELETE', `/accounts/${account.id}/sessions/${encodeURIComponent(ctx.params.sessionUid)}`);
    if (answer.status !== 204) fail(answer);
    seeOther(ctx, `/admin/accounts/${account.id}?done=session-ended`);
  });
  router.post('/admin/accounts/:accountId/end-sessions', forms, requireCsrf(), write, change((api, id) => api.call('DELETE', `/accounts/${id}/sessions`), 'sessions-ended'));

  accountChangePages(router, deps);
  accountMembershipPages(router, deps);
}

import type Router from '@koa/router';
import type { Context } from 'koa';
import { forms, seeOther } from '../accounts/routes/page-kit.js';
import { requireCsrf } from '../http/csrf.js';
import { showPage } from './page-kit.js';
import type { ConsoleRouteDeps } from './routes.js';
import { apiOf, confirmPage, entries, fail, fieldErrorOf, listPage, text } from './section-kit.js';

const PRESETS = ['google', 'github'] as const;
const URL_FIELDS = ['issuer', 'authorization_endpoint', 'token_endpoint', 'userinfo_endpoint'] as const;
const FIELDS = ['preset', 'slug', 'display_name', 'kind', ...URL_FIELDS, 'client_id', 'client_secret', 'scopes', 'domains'] as const;

interface Connection {
  id: string;
  slug: string;
  display_name: string;
  kind: 'oidc' | 'oauth2';
  preset: string | null;
  issuer: string;
  authorization_endpoint: string | null;
  token_endpoint: string | null;
  userinfo_endpoint: string | null;
  client_id: string;
  has_client_secret: boolean;
  scopes: string;
  enabled: boolean;
  allow_jit: boolean;
  trust_upstream_mfa: boolean;
  domains: string[];
  redirect_uri: string;
}

/** The connection form as typed; the client secret is never put back into a page. */
interface ConnectionForm {
  preset: string;
  slug: string;
  display_name: string;
  kind: string;
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint: string;
  client_id: string;
  scopes: string;
  domains: string;
  enabled: boolean;
  allow_jit: boolean;
  trust_upstream_mfa: boolean;
}

function formOf(body: Record<string, unknown>): ConnectionForm & { client_secret: string } {
  const field = (name: string, max = 2000) => text(body[name], max).trim();
  return {
    preset: field('preset', 20), slug: field('slug', 60), display_name: field('display_name', 100), kind: field('kind', 10),
    issuer: field('issuer'), authorization_endpoint: field('authorization_endpoint'), token_endpoint: field('token_endpoint'), userinfo_endpoint: field('userinfo_endpoint'),
    client_id: field('client_id', 600), client_secret: text(body.client_secret, 2100), scopes: field('scopes', 600), domains: text(body.domains, 20_000),
    enabled: body.enabled === 'yes', allow_jit: body.allow_jit === 'yes', trust_upstream_mfa: body.trust_upstream_mfa === 'yes',
  };
}

const formFrom = (connection: Connection): ConnectionForm => ({
  preset: connection.preset ?? '', slug: connection.slug, display_name: connection.display_name, kind: connection.kind, issuer: connection.issuer,
  authorization_endpoint: connection.authorization_endpoint ?? '', token_endpoint: connection.token_endpoint ?? '', userinfo_endpoint: connection.userinfo_endpoint ?? '',
  client_id: connection.client_id, scopes: connection.scopes, domains: connection.domains.join('\n'),
  enabled: connection.enabled, allow_jit: connection.allow_jit, trust_upstream_mfa: connection.trust_upstream_mfa,
});

/** The fields that were filled in: an empty field is left to the preset or the default (or, editing, left as it is). */
function filled(form: ConnectionForm & { client_secret: string }, names: readonly (keyof ConnectionForm | 'client_secret')[]): Record<string, string> {
  return Object.fromEntries(names.filter((name) => form[name] !== '').map((name) => [name, form[name] as string]));
}

const DELETE = { heading: 'console.connections.delete.heading', message: 'console.connections.delete.message', button: 'console.connections.delete.button' };

/**
 * Upstream connections (federation): the list, adding one (OIDC by issuer, OAuth 2.0 by endpoints,
 * or a preset), editing it and removing it behind a confirmation page, each an admin API call. The
 * upstream client secret is write-only: the form never shows it back, and an empty field keeps it.
 */
export function connectionPages(router: Router, deps: ConsoleRouteDeps): void {
  const { read, write } = deps.guard;
  const blank: ConnectionForm = {
    preset: '', slug: '', display_name: '', kind: 'oidc', issuer: '', authorization_endpoint: '', token_endpoint: '', userinfo_endpoint: '',
    client_id: '', scopes: '', domains: '', enabled: true, allow_jit: true, trust_upstream_mfa: false,
  };
  const callbackBase = `${deps.issuer}/federation/callback/`;

  router.get('/admin/connections', read, async (ctx) => {
    const page = await listPage<Connection>(ctx, apiOf(deps, ctx), '/connections', '/admin/connections');
    if (page) showPage(deps, ctx, 'console-connections', 'connections', { title: 'console.connections.title', connections: page.items, nextHref: page.nextHref, firstPage: page.firstPage });
  });

  const showNew = (ctx: Context, form: ConnectionForm, error?: unknown, status = 200) =>
    showPage(deps, ctx, 'console-connection-new', 'connections', { title: 'console.connections.add', form, presets: PRESETS, callbackBase, error }, status);

  router.get('/admin/connections/new', read, (ctx) => showNew(ctx, blank));

  router.post('/admin/connections/new', forms, requireCsrf(), write, async (ctx) => {
    const typed = formOf(ctx.request.body as Record<string, unknown>);
    const { client_secret: _secret, ...form } = typed;
    const answer = await apiOf(deps, ctx).call<Connection>('POST', '/connections', {
      ...filled(typed, ['preset', 'slug', 'display_name', 'kind', ...URL_FIELDS, 'client_id', 'client_secret', 'scopes']),
      ...(typed.preset ? {} : { kind: typed.kind || 'oidc' }),
      client_id: typed.client_id,
      domains: entries(typed.domains),
      enabled: typed.enabled, allow_jit: typed.allow_jit, trust_upstream_mfa: typed.trust_upstream_mfa,
    });
    const error = fieldErrorOf(answer, FIELDS);
    if (error) return showNew(ctx, form, error, answer.status);
    if (answer.status !== 201) fail(answer);
    seeOther(ctx, `/admin/connections/${answer.body.id}?done=connection-created`);
  });

  async function loadConnection(ctx: Context): Promise<Connection> {
    const answer = await apiOf(deps, ctx).call<Connection>('GET', `/connections/${encodeURIComponent(ctx.params.connectionId)}`);
    if (answer.status !== 200) fail(answer);
    return answer.body;
  }
  const showConnection = (ctx: Context, connection: Connection, form: ConnectionForm, error?: unknown, status = 200) =>
    showPage(deps, ctx, 'console-connection', 'connections', { title: connection.display_name, connection, form, error }, status);

  router.get('/admin/connections/:connectionId', read, async (ctx) => {
    const connection = await loadConnection(ctx);
    showConnection(ctx, connection, formFrom(connection));
  });

  router.post('/admin/connections/:connectionId/edit', forms, requireCsrf(), write, async (ctx) => {
    const connection = await loadConnection(ctx);
    const typed = formOf(ctx.request.body as Record<string, unknown>);
    const { client_secret: _secret, ...form } = typed;
    const answer = await apiOf(deps, ctx).call<Connection>('PATCH', `/connections/${connection.id}`, {
      ...filled(typed, ['display_name', ...URL_FIELDS, 'client_id', 'client_secret', 'scopes']),
      domains: entries(typed.domains),
      enabled: typed.enabled, allow_jit: typed.allow_jit, trust_upstream_mfa: typed.trust_upstream_mfa,
    });
    const error = fieldErrorOf(answer, FIELDS);
    if (error) return showConnection(ctx, connection, { ...form, slug: connection.slug, kind: connection.kind, preset: connection.preset ?? '' }, error, answer.status);
    if (answer.status !== 200) fail(answer);
    seeOther(ctx, `/admin/connections/${connection.id}?done=connection-saved`);
  });

  router.get('/admin/connections/:connectionId/delete', read, async (ctx) => {
    const connection = await loadConnection(ctx);
    confirmPage(deps, ctx, 'connections', DELETE, connection.display_name, `/admin/connections/${connection.id}/delete`, `/admin/connections/${connection.id}`);
  });

  router.post('/admin/connections/:connectionId/delete', forms, requireCsrf(), write, async (ctx) => {
    const connection = await loadConnection(ctx);
    const answer = await apiOf(deps, ctx).call('DELETE', `/connections/${connection.id}`);
    if (answer.status !== 204) fail(answer);
    seeOther(ctx, '/admin/connections?done=connection-deleted');
  });
}

import Router from '@koa/router';
import { formBody } from '../http/form-body.js';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import type { AccountRow } from '../accounts/queries.js';
import type { AccountService } from '../accounts/service.js';
import type { MfaService } from '../mfa/service.js';
import { epochSeconds, type Clock } from '../shared/clock.js';
import { AppError, notFound } from '../errors/app-error.js';
import { csrfToken, requireCsrf } from '../http/csrf.js';
import { requestOriginOf } from '../http/request-context.js';
import { parseInput } from '../http/validate.js';
import type { RenderPage } from '../http/views.js';
import type { FederationBroker } from './broker.js';
import { provenForLinking } from './link-proof.js';
import type { ConnectionService } from './connection-service.js';
import type { FederationLogin } from './login.js';

const csrfOnly = z.object({ csrf: z.string().max(256) });

/**
 * Self-service at /account/connections: a signed-in person (the SSO session of the hosted login)
 * sees which providers are linked, links another (through the upstream, bound to this session) and
 * unlinks one, unless it is the last way left to sign in.
 */
export function createAccountConnectionsRouter(deps: {
  provider: () => Provider;
  accounts: AccountService;
  connections: ConnectionService;
  broker: FederationBroker;
  federationLogin: FederationLogin;
  render: RenderPage;
  secureCookies: boolean;
  /** Sends a visitor through the hosted login and back (the account pages' sign-in); `fresh` asks for the password again. */
  startLogin?: (ctx: Context, returnTo: string, fresh?: boolean) => void;
  mfa: Pick<MfaService, 'hasFactor'>;
  clock: Clock;
  /** RECENT_LOGIN_SECONDS */
  recentLoginSeconds: number;
}): Router {
  const router = new Router({ prefix: '/account/connections' });
  const forms = formBody();

  async function signedInSession(ctx: Context) {
    const session = await deps.provider().Session.get(ctx);
    const account = session.accountId ? await deps.accounts.findById(session.accountId) : undefined;
    if (!account || account.status !== 'active') {
      throw new AppError('NOT_SIGNED_IN', 401, 'You are not signed in. Sign in to an application with this account first, then come back to this page.');
    }
    ctx.set('Cache-Control', 'no-store');
    return { account, session: session as unknown as { loginTs?: number; amr?: string[] } };
  }
  const signedIn = async (ctx: Context) => (await signedInSession(ctx)).account;

  /** The rule is provenForLinking (link-proof.ts): a recent password sign-in, or a passkey one for a passwordless account. */
  const provenRecently = (account: AccountRow, session: { loginTs?: number; amr?: string[] }) =>
    provenForLinking({
      hasPassword: Boolean(account.password_hash),
      loginTs: session.loginTs,
      amr: session.amr,
      nowSeconds: epochSeconds(deps.clock),
      recentSeconds: deps.recentLoginSeconds,
      hasSecondFactor: () => deps.mfa.hasFactor(account.id),
    });

  async function connectionNamed(slug: string) {
    const connection = await deps.connections.findBySlug(slug);
    if (!connection || !connection.enabled) throw notFound('no such connection');
    return connection;
  }

  router.get('/', async (ctx) => {
    const session = await deps.provider().Session.get(ctx);
    if (!session.accountId && deps.startLogin) return deps.startLogin(ctx, '/account/connections');
    const account = await signedIn(ctx);
    const identities = await deps.broker.listIdentities(account.id);
    const linked = new Set(identities.map((identity) => identity.connection_id));
    const all = (await deps.connections.listConnections()).filter((connection) => connection.enabled || linked.has(connection.id));
    ctx.type = 'html';
    ctx.body = deps.render('account-connections', {
      email: account.email,
      csrf: csrfToken(ctx, deps.secureCookies),
      connections: all.map((connection) => ({
        name: connection.display_name,
        linked: linked.has(connection.id),
        action: `/account/connections/${connection.slug}/${linked.has(connection.id) ? 'unlink' : 'link'}`,
      })),
    });
  });

  router.post('/:slug/link', forms, requireCsrf(), async (ctx) => {
    const { account, session } = await signedInSession(ctx);
    parseInput(csrfOnly, ctx.request.body);
    const connection = await connectionNamed(ctx.params.slug);
    // Rule: only the proven owner of the address links (a pre-registered, unverified account must not).
    if (!account.email_verified) {
      throw new AppError('EMAIL_NOT_VERIFIED', 403, `Verify your email address first (from your account page), then link ${connection.display_name}.`, { i18n: { key: 'error.EMAIL_NOT_VERIFIED', values: { provider: connection.display_name } } });
    }
    if (!(await provenRecently(account, session))) {
      if (!deps.startLogin) throw new AppError('RECENT_SIGN_IN_REQUIRED', 403, 'Sign in again with your password, then link the connection.');
      return deps.startLogin(ctx, '/account/connections', true);
    }
    await deps.federationLogin.start(ctx, connection, { purpose: 'link', accountId: account.id });
  });

  router.post('/:slug/unlink', forms, requireCsrf(), async (ctx) => {
    const account = await signedIn(ctx);
    parseInput(csrfOnly, ctx.request.body);
    const connection = await deps.connections.findBySlug(ctx.params.slug);
    if (!connection) throw notFound('no such connection');
    await deps.broker.unlink(connection, account.id, { origin: requestOriginOf(ctx.req) });
    ctx.redirect('/account/connections');
    ctx.status = 303;
  });

  return router;
}

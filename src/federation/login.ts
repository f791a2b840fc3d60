import type { Context } from 'koa';
import type { Interaction } from '../interactions/steps.js';
import type { FederationStores, Attempt } from './attempts.js';
import { callbackUrl, type ConnectionService } from './connection-service.js';
import type { ConnectionRow } from './queries.js';
import type { UpstreamClient } from './upstream.js';

/** The signed cookie that binds an upstream authorization request to the browser that started it. */
export const STATE_COOKIE = 'idp.federation';

export interface FederationLoginDeps {
  connections: ConnectionService;
  upstream: UpstreamClient;
  stores: FederationStores;
  issuer: string;
  secureCookies: boolean;
  attemptTtlSeconds: number;
}

/**
 * What the login page needs from federation: the "Continue with …" buttons a client offers,
 * home-realm discovery by email domain, and the redirect to the upstream.
 */
export function createFederationLogin(deps: FederationLoginDeps) {
  async function start(ctx: Context, connection: ConnectionRow, attempt: Omit<Attempt, 'checks' | 'connectionId'>, loginHint?: string) {
    const checks = deps.upstream.newChecks();
    const url = await deps.upstream.authorizationUrl(connection, checks, callbackUrl(deps.issuer, connection.slug), loginHint);
    await deps.stores.saveAttempt(checks.state, { ...attempt, connectionId: connection.id, checks });
    ctx.cookies.set(STATE_COOKIE, checks.state, {
      signed: true,
      httpOnly: true,
      // Lax: the upstream's redirect back is a top-level GET navigation, which carries it.
      sameSite: 'lax',
      secure: deps.secureCookies,
      path: '/federation',
      maxAge: deps.attemptTtlSeconds * 1000,
      overwrite: true,
    });
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect(url.href);
    ctx.status = 303;
  }

  /** A connection the interaction's client may use, or undefined. */
  async function offeredConnection(interaction: Interaction, slug: string): Promise<ConnectionRow | undefined> {
    const offered = await deps.connections.offeredTo(String(interaction.params.client_id));
    return offered.find((connection) => connection.slug === slug.toLowerCase());
  }

  return {
    start,
    offeredConnection,

    /** The buttons of the login page. */
    async loginOptions(interaction: Interaction): Promise<{ slug: string; name: string; action: string }[]> {
      const offered = await deps.connections.offeredTo(String(interaction.params.client_id));
      return offered.map((connection) => ({ slug: connection.slug, name: connection.display_name, action: `/interaction/${interaction.uid}/federation/${connection.slug}` }));
    },

    /**
     * Home-realm discovery: an email whose domain belongs to a connection the client offers goes
     * straight to that provider (with the address as login_hint). Returns whether it redirected.
     */
    async homeRealm(ctx: Context, interaction: Interaction, email: string): Promise<boolean> {
      const domain = email.trim().toLowerCase().split('@')[1];
      if (!domain) return false;
      const offered = await deps.connections.offeredTo(String(interaction.params.client_id));
      const connection = offered.find((candidate) => candidate.domains.includes(domain));
      if (!connection) return false;
      await start(ctx, connection, { purpose: 'login', interactionUid: interaction.uid, clientId: String(interaction.params.client_id) }, email.trim());
      return true;
    },
  };
}

export type FederationLogin = ReturnType<typeof createFederationLogin>;

import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { MAX_PASSWORD_LENGTH } from '../accounts/service.js';
import { AppError } from '../errors/app-error.js';
import { requireCsrf } from '../http/csrf.js';
import { requestOriginOf } from '../http/request-context.js';
import { parseInput } from '../http/validate.js';
import { createMfaRoutes } from '../interactions/mfa-routes.js';
import { createInteractionSteps, tooManyAttempts, type Interaction, type InteractionDeps } from '../interactions/steps.js';
import { ACR_MFA, ACR_PASSWORD, stageFor } from '../mfa/policy.js';
import { constantTimeEqual } from '../shared/digest.js';
import type { FederationStores, Outcome } from './attempts.js';
import type { FederationBroker } from './broker.js';
import { callbackUrl, type ConnectionService } from './connection-service.js';
import { upstreamDidMfa, type FederatedSignIns } from './linking.js';
import { STATE_COOKIE, type FederationLogin } from './login.js';
import type { ConnectionRow } from './queries.js';
import { UpstreamError, type UpstreamClient, type UpstreamProfile } from './upstream.js';
import { msg, type Text } from '../i18n/catalogs.js';

/** Our amr value for "signed in through an upstream provider" (RFC 8176 registers none). */
export const AMR_FEDERATED = 'fed';

const csrfOnly = z.object({ csrf: z.string().max(256) });
const linkForm = z.object({ csrf: z.string().max(256), password: z.string().max(MAX_PASSWORD_LENGTH * 4, 'is too long') });
const STEP_INVALID = () => new AppError('FEDERATION_STEP_INVALID', 400, 'This step of the sign-in is not the current one. Go back to the application and start again.', { i18n: { key: 'error.stepInvalid' } });

export interface FederationRouteDeps extends InteractionDeps {
  connections: ConnectionService;
  upstream: UpstreamClient;
  stores: FederationStores;
  broker: FederationBroker;
  federationLogin: FederationLogin;
  signIns: FederatedSignIns;
  issuer: string;
}

/**
 * Brokered sign-in: the "Continue with …" start, the upstream's callback, linking with proof of the
 * local password, and the end of the login through the same steps as a password sign-in, so the
 * local MFA policy applies unless the connection is trusted for MFA and the upstream reports it.
 */
export function createFederationRouter(deps: FederationRouteDeps): Router {
  const router = new Router();
  const steps = createInteractionSteps(deps);
  const mfa = createMfaRoutes(deps, steps);
  const { connections, stores, broker } = deps;

  async function finishSignIn(ctx: Context, interaction: Interaction, accountId: string, amr: string[], mfaDone: boolean) {
    if (mfaDone) return steps.completeLogin(ctx, interaction, { accountId, amr: [...new Set([...amr, 'mfa'])], acr: ACR_MFA });
    const requirement = await deps.mfaPolicy.requirement(accountId, String(interaction.params.client_id), interaction.params.acr_values as string | undefined);
    if (requirement === 'none') return steps.completeLogin(ctx, interaction, { accountId, amr, acr: ACR_PASSWORD });
    return mfa.begin(ctx, interaction, { accountId, stage: stageFor(requirement), amr });
  }

  function renderProblem(ctx: Context, status: number, page: { heading: Text; message: Text; backUrl?: string; code?: string }) {
    ctx.status = status;
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = deps.render('federation-error', { ...page, requestId: ctx.state.requestId });
  }

  async function failed(ctx: Context, connection: ConnectionRow | undefined, clientId: string | undefined, detail: Record<string, unknown>) {
    await deps.audit.record({
      type: 'federation.login_failed',
      outcome: 'failure',
      clientId,
      origin: requestOriginOf(ctx.req),
      detail: { connection: connection?.slug, ...detail },
    });
  }

  const signedIn = deps.signIns.recordSignIn;

  router.get('/federation/callback/:slug', async (ctx) => {
    const state = typeof ctx.query.state === 'string' ? ctx.query.state : '';
    const bound = ctx.cookies.get(STATE_COOKIE, { signed: true });
    ctx.cookies.set(STATE_COOKIE, null, { path: '/federation', overwrite: true });
    const attempt = state ? await stores.takeAttempt(state) : undefined;
    const connection = attempt ? await connections.requireConnection(attempt.connectionId).catch(() => undefined) : undefined;
    const backUrl = attempt?.interactionUid ? `/interaction/${attempt.interactionUid}` : attempt?.purpose === 'link' ? '/account/connections' : undefined;
    // The state must be one we issued, unused, for this connection, and started in this very browser.
    if (!attempt || !connection || !bound || !constantTimeEqual(bound, state) || connection.slug !== ctx.params.slug.toLowerCase()) {
      await failed(ctx, connection, attempt?.clientId, { reason: 'state_mismatch' });
      return renderProblem(ctx, 400, {
        heading: 'federationPage.thisSignInCannotContinue',
        message: 'federationPage.thisSignInAttemptHas',
        code: 'FEDERATION_STATE_INVALID',
      });
    }
    let profile: UpstreamProfile;
    try {
      profile = await deps.upstream.complete(connection, attempt.checks, new URL(`${callbackUrl(deps.issuer, connection.slug)}?${ctx.querystring}`));
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      await failed(ctx, connection, attempt.clientId, { reason: error.reason, message: error.message, ...(error.upstreamError ? { upstreamError: error.upstreamError } : {}) });
      const denied = error.upstreamError?.error === 'access_denied';
      return renderProblem(ctx, 400, {
        heading: msg(denied ? 'federationPage.cancelledHeading' : 'federationPage.failedHeading', { provider: connection.display_name }),
        message: msg(denied ? 'federationPage.cancelled' : 'federationPage.failed', { provider: connection.display_name }),
        code: error.upstreamError?.error ?? 'UPSTREAM_VERIFICATION_FAILED',
        backUrl,
      });
    }

    const context = { origin: requestOriginOf(ctx.req), clientId: attempt.clientId };
    if (attempt.purpose === 'link') {
      const session = await deps.provider().Session.get(ctx);
      if (!session.accountId || session.accountId !== attempt.accountId) throw new AppError('NOT_SIGNED_IN', 401, 'Sign in again, then link the connection from your account.', { i18n: { key: 'error.signInAgainToLink' } });
      await broker.link(connection, profile, session.accountId, 'session', context);
      await broker.syncGroups(connection, session.accountId, profile.groups);
      ctx.redirect('/account/connections');
      ctx.status = 303;
      return;
    }

    const uid = attempt.interactionUid!;
    const resolution = await broker.resolve(connection, profile, context);
    if (resolution.kind === 'refused') {
      await failed(ctx, connection, attempt.clientId, { reason: resolution.reason, subject: profile.subject });
      return renderProblem(ctx, 403, { heading: msg('federationPage.refusedHeading', { provider: connection.display_name }), message: { ...msg(`federationPage.refused.${resolution.reason}`, { provider: connection.display_name }), fallback: resolution.message }, code: resolution.reason.toUpperCase(), backUrl });
    }
    let outcome: Outcome;
    if (resolution.kind === 'link_required') {
      outcome = { kind: 'link_required', connectionId: connection.id, accountId: resolution.accountId, email: resolution.email, profile };
    } else {
      const mfaDone = await signedIn(ctx, connection, profile, resolution.accountId, { created: resolution.created, clientId: attempt.clientId });
      outcome = { kind: 'account', connectionId: connection.id, accountId: resolution.accountId, amr: mfaDone ? [AMR_FEDERATED, 'mfa'] : [AMR_FEDERATED] };
    }
    await stores.saveOutcome(uid, outcome);
    ctx.redirect(`/interaction/${uid}/federation/${outcome.kind === 'account' ? 'continue' : 'link'}`);
    ctx.status = 303;
  });

  router.get('/interaction/:uid/federation/continue', async (ctx) => {
    const interaction = await steps.load(ctx, 'login');
    const outcome = await stores.findOutcome(interaction.uid);
    if (outcome?.kind !== 'account') throw STEP_INVALID();
    await stores.removeOutcome(interaction.uid);
    return finishSignIn(ctx, interaction, outcome.accountId, outcome.amr, outcome.amr.includes('mfa'));
  });

  async function renderLink(ctx: Context, interaction: Interaction, outcome: Extract<Outcome, { kind: 'link_required' }>, error?: Text) {
    const connection = await connections.requireConnection(outcome.connectionId);
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = deps.render('federation-link', {
      connectionName: connection.display_name,
      email: outcome.email,
      csrf: steps.csrf(ctx),
      action: `/interaction/${interaction.uid}/federation/link`,
      abortUrl: `/interaction/${interaction.uid}/abort`,
      error,
    });
  }

  async function linkOutcome(interaction: Interaction) {
    const outcome = await stores.findOutcome(interaction.uid);
    if (outcome?.kind !== 'link_required') throw STEP_INVALID();
    return outcome;
  }

  router.get('/interaction/:uid/federation/link', async (ctx) => {
    const interaction = await steps.load(ctx, 'login');
    return renderLink(ctx, interaction, await linkOutcome(interaction));
  });

  // Proof of control of the local account: its password, under the same throttling as the login form.
  router.post('/interaction/:uid/federation/link', steps.forms, requireCsrf(), async (ctx) => {
    const interaction = await steps.load(ctx, 'login');
    const outcome = await linkOutcome(interaction);
    const form = parseInput(linkForm, ctx.request.body);
    const clientId = String(interaction.params.client_id);
    const origin = requestOriginOf(ctx.req);
    const decision = await deps.loginProtection.beforeAttempt(ctx.ip, outcome.email);
    if (!decision.allowed) {
      ctx.status = 429;
      ctx.set('Retry-After', String(decision.retryAfter));
      return renderLink(ctx, interaction, outcome, tooManyAttempts(decision.retryAfter));
    }
    const result = await deps.accounts.authenticate(outcome.email, form.password);
    if (!result.ok || result.account.id !== outcome.accountId) {
      const failure = await deps.loginProtection.recordFailure(outcome.email, ctx.ip);
      if (failure.lockNow && (await deps.accounts.lock(outcome.accountId))) {
        await deps.audit.record({ type: 'account.locked', outcome: 'failure', actor: { type: 'system' }, accountId: outcome.accountId, origin, detail: { consecutiveFailures: failure.consecutiveFailures } });
      }
      await deps.audit.record({
        type: 'login.failed',
        outcome: 'failure',
        accountId: outcome.accountId,
        clientId,
        origin,
        detail: { reason: result.ok ? 'account_changed' : result.reason, during: 'federation_link', consecutiveFailures: failure.consecutiveFailures },
      });
      ctx.status = 401;
      return renderLink(ctx, interaction, outcome, 'error.wrongPassword');
    }
    await deps.loginProtection.recordSuccess(outcome.email, ctx.ip);
    const connection = await connections.requireConnection(outcome.connectionId);
    await stores.removeOutcome(interaction.uid);
    const amr = [AMR_FEDERATED, 'pwd'];
    const upstreamMfa = connection.trust_upstream_mfa && upstreamDidMfa(outcome.profile);
    const requirement = upstreamMfa ? 'none' : await deps.mfaPolicy.requirement(outcome.accountId, clientId, interaction.params.acr_values as string | undefined);
    if (requirement !== 'none') {
      // The link waits for the local second factor (linking.ts); the MFA step stores it on success.
      await deps.signIns.deferUntilMfa(interaction, connection, outcome.profile, outcome.accountId);
      return mfa.begin(ctx, interaction, { accountId: outcome.accountId, stage: stageFor(requirement), amr });
    }
    const mfaDone = await deps.signIns.linkProven(ctx, connection, outcome.profile, outcome.accountId, clientId);
    return finishSignIn(ctx, interaction, outcome.accountId, amr, mfaDone);
  });

  // Registered last: /federation/link and /federation/continue above are steps, not connections.
  // "Continue with …" on the login page.
  router.post('/interaction/:uid/federation/:slug', steps.forms, requireCsrf(), async (ctx) => {
    const interaction = await steps.load(ctx, 'login');
    parseInput(csrfOnly, ctx.request.body);
    const connection = await deps.federationLogin.offeredConnection(interaction, ctx.params.slug);
    if (!connection) throw new AppError('CONNECTION_NOT_OFFERED', 404, 'This sign-in option is not available for this application.');
    await deps.pendingLogins.remove(interaction.uid);
    await deps.federationLogin.start(ctx, connection, { purpose: 'login', interactionUid: interaction.uid, clientId: String(interaction.params.client_id) });
  });

  return router;
}

import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { errors as oidcErrors, type InteractionResults } from 'oidc-provider';
import { z } from 'zod';
import type { AccountService } from '../accounts/service.js';
import { MAX_PASSWORD_LENGTH } from '../accounts/service.js';
import type { AuditRecorder } from '../audit/recorder.js';
import type { ClientService } from '../clients/service.js';
import { AppError } from '../errors/app-error.js';
import { csrfToken, requireCsrf } from '../http/csrf.js';
import { requestOriginOf } from '../http/request-context.js';
import { parseInput } from '../http/validate.js';
import type { RenderPage } from '../http/views.js';
import { describeConsent, grantRequestedAccess } from './consent.js';

const loginForm = z.object({
  csrf: z.string().max(256),
  email: z.string().trim().max(254),
  password: z.string().max(MAX_PASSWORD_LENGTH * 4, 'is too long'),
});

/** One message for every login failure: which check failed is recorded in the event log only. */
const LOGIN_FAILED = 'The email or password is not correct.';

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

export interface InteractionDeps {
  provider: () => Provider;
  accounts: AccountService;
  clients: ClientService;
  audit: AuditRecorder;
  render: RenderPage;
  secureCookies: boolean;
}

/** The hosted login and consent pages that oidc-provider sends the browser to. */
export function createInteractionRouter(deps: InteractionDeps): Router {
  const router = new Router({ prefix: '/interaction' });
  const forms = bodyParser({ enableTypes: ['form'], formLimit: '16kb', encoding: 'utf-8' });

  async function loadInteraction(ctx: Context, expectedPrompt?: string): Promise<Interaction> {
    let interaction: Interaction;
    try {
      interaction = await deps.provider().interactionDetails(ctx.req, ctx.res);
    } catch (error) {
      if (error instanceof oidcErrors.SessionNotFound) {
        throw new AppError('INTERACTION_EXPIRED', 400, 'This sign-in page has expired. Go back to the application and start again.');
      }
      throw error;
    }
    if (interaction.uid !== ctx.params.uid || (expectedPrompt && interaction.prompt.name !== expectedPrompt)) {
      throw new AppError('INTERACTION_STEP_INVALID', 400, 'This step of the sign-in is not the current one. Go back to the application and start again.');
    }
    return interaction;
  }

  async function finish(ctx: Context, result: InteractionResults, merge: boolean) {
    const returnTo = await deps.provider().interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge });
    ctx.redirect(returnTo);
    ctx.status = 303;
  }

  async function clientNameOf(interaction: Interaction): Promise<{ name: string; firstParty: boolean }> {
    const client = await deps.clients.findClient(String(interaction.params.client_id));
    return { name: client?.name ?? 'the application', firstParty: client?.first_party ?? false };
  }

  async function renderLogin(ctx: Context, interaction: Interaction, extra: { error?: string; email?: string } = {}) {
    const client = await clientNameOf(interaction);
    ctx.type = 'html';
    ctx.body = deps.render('login', {
      clientName: client.name,
      csrf: csrfToken(ctx, deps.secureCookies),
      action: `/interaction/${interaction.uid}/login`,
      abortUrl: `/interaction/${interaction.uid}/abort`,
      email: extra.email ?? (typeof interaction.params.login_hint === 'string' ? interaction.params.login_hint : ''),
      error: extra.error,
    });
  }

  router.get('/:uid', async (ctx) => {
    const interaction = await loadInteraction(ctx);
    ctx.set('Cache-Control', 'no-store');
    if (interaction.prompt.name === 'login') return renderLogin(ctx, interaction);
    if (interaction.prompt.name !== 'consent') throw new AppError('UNSUPPORTED_PROMPT', 400, 'This sign-in step is not supported.');
    const client = await clientNameOf(interaction);
    if (client.firstParty) {
      // First-party apps are the operator's own: their access is granted without asking.
      const result = await grantRequestedAccess(deps.provider(), interaction);
      await deps.audit.record({
        type: 'consent.granted',
        accountId: interaction.session?.accountId,
        clientId: String(interaction.params.client_id),
        origin: requestOriginOf(ctx.req),
        detail: { scope: interaction.params.scope, grantId: result.consent?.grantId, firstParty: true },
      });
      return finish(ctx, result, true);
    }
    const account = await deps.accounts.findById(String(interaction.session?.accountId));
    ctx.type = 'html';
    ctx.body = deps.render('consent', {
      clientName: client.name,
      accountEmail: account?.email ?? '',
      ...describeConsent(interaction),
      csrf: csrfToken(ctx, deps.secureCookies),
      action: `/interaction/${interaction.uid}/confirm`,
      denyAction: `/interaction/${interaction.uid}/deny`,
    });
  });

  router.post('/:uid/login', forms, requireCsrf(), async (ctx) => {
    const interaction = await loadInteraction(ctx, 'login');
    const form = parseInput(loginForm, ctx.request.body);
    const clientId = String(interaction.params.client_id);
    const origin = requestOriginOf(ctx.req);
    const result = await deps.accounts.authenticate(form.email, form.password);
    if (!result.ok) {
      await deps.audit.record({
        type: 'login.failed',
        outcome: 'failure',
        accountId: result.account?.id,
        clientId,
        origin,
        detail: { reason: result.reason },
      });
      ctx.status = 401;
      return renderLogin(ctx, interaction, { error: LOGIN_FAILED, email: form.email });
    }
    await deps.audit.record({ type: 'login.succeeded', accountId: result.account.id, clientId, origin, detail: { amr: ['pwd'] } });
    return finish(ctx, { login: { accountId: result.account.id, amr: ['pwd'], remember: true } }, false);
  });

  router.post('/:uid/confirm', forms, requireCsrf(), async (ctx) => {
    const interaction = await loadInteraction(ctx, 'consent');
    const result = await grantRequestedAccess(deps.provider(), interaction);
    await deps.audit.record({
      type: 'consent.granted',
      accountId: interaction.session?.accountId,
      clientId: String(interaction.params.client_id),
      origin: requestOriginOf(ctx.req),
      detail: { scope: interaction.params.scope, grantId: result.consent?.grantId },
    });
    return finish(ctx, result, true);
  });

  const deny = async (ctx: Context) => {
    const interaction = await loadInteraction(ctx);
    await deps.audit.record({
      type: 'consent.denied',
      outcome: 'failure',
      accountId: interaction.session?.accountId,
      clientId: String(interaction.params.client_id),
      origin: requestOriginOf(ctx.req),
    });
    return finish(ctx, { error: 'access_denied', error_description: 'The user did not allow access' }, false);
  };
  router.post('/:uid/deny', forms, requireCsrf(), deny);
  // The cancel link on the login page: ending one's own sign-in needs no form, and grants nothing.
  router.get('/:uid/abort', deny);

  return router;
}

import Router from '@koa/router';
import type { Context } from 'koa';
import * as oidc from 'openid-client';
import { forms, seeOther, type PageDeps } from '../accounts/routes/page-kit.js';
import { notFound } from '../errors/app-error.js';
import { requireCsrf } from '../http/csrf.js';
import { useSavedLocale } from '../i18n/request-locale.js';
import { accountPages } from './accounts-pages.js';
import { apiPages } from './apis-pages.js';
import { clientPages } from './clients-pages.js';
import { isConsolePage } from './console-paths.js';
import { attributePages } from './attributes-pages.js';
import { connectionPages } from './connections-pages.js';
import { eventPages } from './events-pages.js';
import { groupPages } from './groups-pages.js';
import { keyPages } from './keys-pages.js';
import { settingsPages } from './settings-pages.js';
import { webhookPages } from './webhooks-pages.js';
import type { ConsoleGuard } from './guard.js';
import { objectGrantPages } from './object-grants-pages.js';
import { loadOverview, type OverviewDeps } from './overview.js';
import { refusalPage, showPage } from './page-kit.js';
import { rolePages } from './roles-pages.js';
import type { Sealer } from './seal.js';
import { CONSOLE_PATH, consoleReturnPath, ConsoleSignInError, type ConsoleSignIn } from './sign-in.js';

export interface ConsoleRouteDeps extends PageDeps {
  issuer: string;
  signIn: ConsoleSignIn;
  guard: ConsoleGuard;
  overview: OverviewDeps;
  /** Seals a new client secret for the one page that shows it. */
  secrets: Sealer;
  /** The audit chain check (`idp events verify`). */
  verifyChain(): Promise<{ ok: boolean; checked: number; unchained: number; broken?: { eventId?: string; checkpointId?: string; reason: string } }>;
}

/** The admin console at /admin (docs/console.md): sign-in, the overview, and one module per section. */
export function createConsoleRouter(deps: ConsoleRouteDeps): Router {
  const router = new Router();
  const refuse = refusalPage(deps);

  router.get(CONSOLE_PATH, deps.guard.read, async (ctx) => {
    showPage(deps, ctx, 'console-overview', 'overview', { title: 'console.overview.title', overview: await loadOverview(deps.overview) });
  });

  router.get(`${CONSOLE_PATH}/sign-in`, async (ctx) => {
    await deps.signIn.start(ctx, consoleReturnPath(ctx.query.return_to), ctx.query.fresh === '1');
  });

  router.get(`${CONSOLE_PATH}/callback`, async (ctx) => {
    try {
      const { returnTo } = await deps.signIn.finish(ctx);
      ctx.set('Cache-Control', 'no-store');
      seeOther(ctx, returnTo);
    } catch (error) {
      signInFailed(ctx, error);
    }
  });

  // Signing out ends the console's session and then, through RP-initiated logout, the SSO session:
  // otherwise the next visit to /admin would be signed straight back in without a password.
  router.post(`${CONSOLE_PATH}/sign-out`, forms, requireCsrf(), async (ctx) => {
    const session = await deps.signIn.current(ctx);
    deps.signIn.signOut(ctx);
    const endSession = session ? await deps.signIn.endSessionUrl(ctx, session) : undefined;
    ctx.set('Cache-Control', 'no-store');
    seeOther(ctx, endSession ?? `${CONSOLE_PATH}/signed-out`);
  });

  router.get(`${CONSOLE_PATH}/signed-out`, (ctx) => {
    showPage(deps, ctx, 'console-signed-out', undefined, { title: 'console.signedOut.title' });
  });

  for (const register of [accountPages, clientPages, eventPages]) register(router, deps);
  for (const register of [apiPages, rolePages, groupPages, objectGrantPages]) register(router, deps);
  for (const register of [connectionPages, attributePages, webhookPages, keyPages, settingsPages]) register(router, deps);

  // Any other console address a browser asks for (a mistyped path, a GET on a form's action) gets the
  // console's 404 page, in the operator's saved language when signed in, rather than oidc-provider's
  // plain-text fallback. The admin API (/admin/api, problem+json, mounted around this router) and
  // callers not asking for HTML go on as before. Registered last: every page above matches first.
  router.get(`${CONSOLE_PATH}/{*rest}`, async (ctx, next) => {
    if (!isConsolePage(ctx.path) || ctx.accepts('html', 'json') !== 'html') return next();
    useSavedLocale((await deps.signIn.current(ctx))?.locale);
    throw notFound();
  });

  /** A sign-in that came back without a usable token: say why, offer to start again. */
  function signInFailed(ctx: Context, error: unknown): void {
    if (error instanceof oidc.ResponseBodyError && error.error === 'invalid_scope') {
      return refuse(ctx, 'console.refused.noPermission');
    }
    const cancelled = error instanceof oidc.AuthorizationResponseError && error.error === 'access_denied';
    if (!(error instanceof ConsoleSignInError || error instanceof oidc.AuthorizationResponseError || error instanceof oidc.ResponseBodyError || error instanceof oidc.ClientError)) throw error;
    showPage(deps, ctx, 'console-notice', undefined, {
      title: 'console.signInFailed.title',
      heading: cancelled ? 'console.signInFailed.cancelled' : 'console.signInFailed.title',
      message: cancelled ? 'console.signInFailed.cancelledMessage' : 'console.signInFailed.invalidMessage',
      link: { href: `${CONSOLE_PATH}/sign-in`, text: 'console.signedOut.signIn' },
    }, 400);
  }

  return router;
}

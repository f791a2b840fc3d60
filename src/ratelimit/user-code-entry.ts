import { createHash } from 'node:crypto';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config/load.js';
import type { RenderPage } from '../http/views.js';
import { requestIdOf } from '../http/request-context.js';
import { deviceOutcomeOf } from '../oidc/device-flow.js';
import { retryAfterSeconds, type LimiterFactory } from './store.js';
import { msg } from '../i18n/catalogs.js';

/** Window of the wrong-user-code counters. */
export const USER_CODE_FAILURE_WINDOW_SECONDS = 900;
/** oidc-provider's session cookie (cookies.names.session): the browser the codes are typed in. */
const SESSION_COOKIE = '_session';

/**
 * Throttles typing user codes on the device page (RFC 8628 §5.1: a user code is short, so guessing
 * must be rate limited), per client IP and per browser session.
 *
 * Every POST of the page looks a code up (entering it, and confirming it, which an attacker could
 * post directly), so each takes a point from both counters before oidc-provider sees it: atomic in
 * the store, so parallel guesses cannot slip past the limit. A post that did not end in a wrong code
 * (the code was found, or no lookup happened) gives its points back, so a person entering a right
 * code never spends any; wrong, expired and used codes keep theirs. Over either limit the page is a
 * 429 with Retry-After, before any lookup. When the store does not answer the page is a 503: no
 * unthrottled guessing during an outage.
 *
 * The session counter is keyed on a digest of the session cookie (the store never holds the
 * cookie). Dropping the cookie starts a new session but not a new IP counter; without a session
 * the form's xsrf check fails before any lookup.
 */
export function createUserCodeEntryLimit(factory: LimiterFactory, limits: Config['rateLimits'], render: RenderPage): (provider: Provider) => void {
  const perIp = factory('device-code:ip', { points: limits.userCodeFailuresPerIp, duration: USER_CODE_FAILURE_WINDOW_SECONDS });
  const perSession = factory('device-code:session', { points: limits.userCodeFailuresPerSession, duration: USER_CODE_FAILURE_WINDOW_SECONDS });

  return (provider) => {
    const path = new URL(provider.urlFor('code_verification')).pathname;
    provider.use(async (ctx: KoaContextWithOIDC, next) => {
      if (ctx.path !== path || ctx.method !== 'POST') return next();
      const session = ctx.cookies.get(SESSION_COOKIE);
      // The session first: a session already over its limit is refused without charging the address,
      // so one blocked browser does not use up its neighbours' attempts behind the same address.
      const counters: Array<[RateLimiterAbstract, string]> = [];
      if (session) counters.push([perSession, createHash('sha256').update(session).digest('base64url')]);
      counters.push([perIp, ctx.ip]);

      const taken: Array<[RateLimiterAbstract, string]> = [];
      try {
        for (const [limiter, key] of counters) {
          await limiter.consume(key);
          taken.push([limiter, key]);
        }
      } catch (rejection) {
        // A session point taken before the address refused stays taken: it was an attempt.
        if (rejection instanceof RateLimiterRes) return tooMany(ctx, render, retryAfterSeconds(rejection));
        return unavailable(ctx, render);
      }

      await next();
      if (deviceOutcomeOf(ctx)?.kind === 'wrong_code') return;
      // Giving points back may fail with the store; the page already has its answer.
      await Promise.all(taken.map(([limiter, key]) => limiter.reward(key, 1))).catch(() => undefined);
    });
  };
}

function tooMany(ctx: KoaContextWithOIDC, render: RenderPage, retryAfter: number): void {
  const minutes = Math.max(1, Math.ceil(retryAfter / 60));
  ctx.status = 429;
  ctx.set('Retry-After', String(retryAfter));
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'html';
  ctx.body = render('error', {
    heading: 'devicePage.tooManyAttempts',
    message: msg('devicePage.tooManyCodes', { minutes }),
    code: 'too_many_attempts',
    requestId: requestIdOf(ctx.req),
  });
}

function unavailable(ctx: KoaContextWithOIDC, render: RenderPage): void {
  ctx.status = 503;
  ctx.set('Retry-After', '5');
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'html';
  ctx.body = render('error', {
    heading: 'devicePage.tryAgainInAMoment',
    message: 'devicePage.somethingWentWrongOnOur',
    code: 'temporarily_unavailable',
    requestId: requestIdOf(ctx.req),
  });
}

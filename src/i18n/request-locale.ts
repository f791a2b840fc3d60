import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context, Next } from 'koa';
import type { LocaleHints } from './negotiate.js';

/** The language switch's cookie: a language tag, checked against the catalogs whenever it is read. */
export const LOCALE_COOKIE = 'idp.locale';

interface RequestLocale {
  hints: LocaleHints;
  /** The page to come back to after switching language (GET pages only: a path, never another origin). */
  returnTo?: string;
}

/**
 * The language hints of the request being served. Pages are rendered deep inside routers, mailers and
 * oidc-provider's own callbacks; keeping the hints in async context spares every one of them a parameter.
 */
const storage = new AsyncLocalStorage<RequestLocale>();

/** Reads the cookie and Accept-Language once per request; routes add ui_locales and the saved choice later. */
export function requestLocale() {
  return (ctx: Context, next: Next) => {
    const state: RequestLocale = {
      hints: { cookie: ctx.cookies.get(LOCALE_COOKIE) ?? undefined, acceptLanguage: ctx.get('accept-language') || undefined },
      returnTo: ctx.method === 'GET' && ctx.originalUrl.length <= 2048 ? ctx.originalUrl : undefined,
    };
    return storage.run(state, next);
  };
}

/** The hints of the current request (empty outside one: background mail, the CLI). */
export const currentLocaleHints = (): LocaleHints => storage.getStore()?.hints ?? {};
export const currentReturnTo = (): string | undefined => storage.getStore()?.returnTo;

/** The authorization request's `ui_locales`, for the interaction pages. */
export function useUiLocales(value: unknown): void {
  const state = storage.getStore();
  if (state && typeof value === 'string') state.hints.uiLocales = value;
}

/** The signed-in person's saved language. */
export function useSavedLocale(value: string | null | undefined): void {
  const state = storage.getStore();
  if (state) state.hints.saved = value ?? undefined;
}

import { AppError } from '../errors/app-error.js';
import type { Msg } from './catalogs.js';

/**
 * What a hosted page says about an error: its own message key, else `error.<CODE>`, else (a code no
 * catalog knows) the English message it was thrown with.
 */
export function errorText(error: { code: string; message: string; i18n?: AppError['i18n'] }): Msg {
  return error.i18n ? { ...error.i18n, fallback: error.message } : { key: `error.${error.code}`, fallback: error.message };
}

import type { Context } from 'koa';
import { AppError } from '../errors/app-error.js';
import { isUuid } from '../rbac/subjects.js';
import type { AdminApi, ApiAnswer, Problem } from './admin-api.js';
import type { ConsoleRouteDeps } from './routes.js';
import { apiOf, fail } from './section-kit.js';
import { msg, type Msg } from '../i18n/catalogs.js';

/** What the accounts section's modules share: the account as the admin API shows it, and the call helpers. */
export interface Account {
  id: string;
  email: string;
  name: string | null;
  status: 'active' | 'disabled';
  email_verified: boolean;
  created_at: string;
  last_login_at: string | null;
  locked_at: string | null;
}

export { apiOf, fail, type Page } from './section-kit.js';

/**
 * A validation problem from the admin API (400), placed next to the form field it names. The API's
 * reason is English (it is the API's language); the sentence around it comes from the catalogs.
 */
export function fieldErrorOf(answer: ApiAnswer<unknown>): { field: string; message: Msg } | undefined {
  if (answer.status !== 400) return undefined;
  const problem = answer.body as Problem;
  const path = problem.field ?? '';
  // attributes.department names the attribute's own field; other paths their first segment.
  const field = path.startsWith('attributes.') ? path : path.split(/[.[]/)[0] || 'form';
  return { field, message: msg('console.common.notAccepted', { reason: (problem.detail ?? '').replace(/^[\w.[\]]+: /, '') }) };
}

/** The account of the path's :accountId, through the admin API (404 page for a malformed or unknown id). */
export async function loadAccount(deps: ConsoleRouteDeps, ctx: Context): Promise<{ api: AdminApi; account: Account }> {
  const api = apiOf(deps, ctx);
  const id = ctx.params.accountId;
  if (!isUuid(id)) throw new AppError('NOT_FOUND', 404, 'There is no account with this id.', { i18n: { key: 'console.accounts.errors.noAccount' } });
  const answer = await api.call<Account>('GET', `/accounts/${id}`);
  if (answer.status !== 200) fail(answer);
  return { api, account: answer.body };
}

export const text = (value: unknown) => (typeof value === 'string' ? value : '');

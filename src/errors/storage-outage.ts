/**
 * Recognises "a store did not answer" among errors thrown by knex, pg and ioredis, without importing
 * them (errors/ imports no driver). Such an error means try again later (503), not a bug (500).
 *
 * Covered: refused, reset or timed-out sockets; knex's pool acquire timeout; Postgres connection
 * exceptions (SQLSTATE class 08), shutdowns (57P01-57P03), statement timeouts (57014) and a full
 * server (53300); ioredis with its connection closed, its offline queue disabled, a command timeout,
 * exhausted retries, or a Cluster/Sentinel that is failing over.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '57014', '53300']);
const ERROR_NAMES = new Set(['KnexTimeoutError', 'MaxRetriesPerRequestError', 'ClusterAllFailedError']);
const MESSAGES = [
  /^Connection terminated/i, // pg: server went away or connect timeout
  /Query read timeout/i, // pg query_timeout
  /timeout exceeded when trying to connect/i,
  /^timeout expired$/, // pg connectionTimeoutMillis
  /not queryable/i,
  /^Connection is closed/i, // ioredis
  /Stream isn't writeable/i, // ioredis with enableOfflineQueue: false
  /^Command timed out/i, // ioredis commandTimeout
  /^(LOADING|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|READONLY)\b/, // Redis replies during restarts and failovers
  /None of startup nodes is available/i,
  /Failed to refresh slots cache/i,
];

export function isStorageOutage(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  const candidate = error as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof candidate.name === 'string' && ERROR_NAMES.has(candidate.name)) return true;
  if (typeof candidate.code === 'string') {
    if (NETWORK_CODES.has(candidate.code) || SQLSTATES.has(candidate.code) || /^08...$/.test(candidate.code)) return true;
  }
  if (typeof candidate.message === 'string' && MESSAGES.some((pattern) => pattern.test(candidate.message as string))) return true;
  // AggregateError (a connect attempt on several addresses) and wrapped causes.
  if (Array.isArray(candidate.errors) && candidate.errors.some((inner) => isStorageOutage(inner, depth + 1))) return true;
  return isStorageOutage(candidate.cause, depth + 1);
}

import { AppError, unavailable } from './app-error.js';
import { isStorageOutage } from './storage-outage.js';

/** RFC 9457 problem details. `type` is a stable URN built from the error code. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface NormalizedError {
  status: number;
  code: string;
  message: string;
  details?: Record<string, unknown>;
  headers?: Record<string, string>;
  /** The message's catalog key for the hosted pages (AppError#i18n). */
  i18n?: AppError['i18n'];
}

/**
 * Reduces anything thrown to what may be shown. Errors from Koa and its body parser carry `status`
 * and `expose`; anything else is an internal error whose message stays in the log.
 */
export function normalizeError(error: unknown): NormalizedError {
  if (error instanceof AppError) {
    return {
      status: error.status,
      code: error.code,
      message: error.expose ? error.message : 'Something went wrong on our side',
      details: error.details,
      headers: error.headers,
      ...(error.expose && error.i18n ? { i18n: error.i18n } : {}),
    };
  }
  const candidate = error as { status?: unknown; statusCode?: unknown; expose?: unknown; message?: unknown };
  const status = Number(candidate?.status ?? candidate?.statusCode);
  // A store that does not answer (or oidc-provider's 503 for one, see oidc/adapters/guard.ts) is a
  // temporary condition: 503 with Retry-After, never a 500.
  if (status === 503 || isStorageOutage(error)) return normalizeError(unavailable());
  if (Number.isInteger(status) && status >= 400 && status < 500) {
    return {
      status,
      code: codeForStatus(status),
      message: candidate.expose && typeof candidate.message === 'string' ? candidate.message : TITLES[status] ?? 'Bad request',
    };
  }
  return { status: 500, code: 'INTERNAL_ERROR', message: 'Something went wrong on our side' };
}

export function toProblem(error: NormalizedError): Problem {
  return {
    type: `urn:idp:error:${error.code.toLowerCase().replaceAll('_', '-')}`,
    title: TITLES[error.status] ?? 'Error',
    status: error.status,
    detail: error.message,
    ...(error.details ?? {}),
  };
}

function codeForStatus(status: number): string {
  return (TITLES[status] ?? 'Bad Request').toUpperCase().replaceAll(' ', '_');
}

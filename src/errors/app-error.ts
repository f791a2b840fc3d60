/**
 * The one error type business code throws. `code` is stable (UPPER_SNAKE) and becomes the problem type;
 * `message` is shown to the caller only when `expose` is true, which it is for every 4xx.
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly expose: boolean;
  readonly details?: Record<string, unknown>;
  readonly headers?: Record<string, string>;
  /**
   * The message for people, as a catalog key and values (i18n/), when `message` has data in it or its
   * code has several messages; otherwise the hosted pages look up `error.<CODE>`. `message` stays the
   * English text for APIs and logs.
   */
  readonly i18n?: { key: string; values?: Record<string, unknown> };

  constructor(
    code: string,
    status: number,
    message: string,
    options: { details?: Record<string, unknown>; headers?: Record<string, string>; cause?: unknown; i18n?: { key: string; values?: Record<string, unknown> } } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = status;
    this.expose = status < 500 || status === 503;
    this.details = options.details;
    this.headers = options.headers;
    this.i18n = options.i18n;
  }
}

export const badRequest = (message: string, details?: Record<string, unknown>) =>
  new AppError('BAD_REQUEST', 400, message, { details });
export const notFound = (message = 'Not found') => new AppError('NOT_FOUND', 404, message);
export const conflict = (message: string) => new AppError('CONFLICT', 409, message);
export const unavailable = (message = 'A dependency is unavailable; try again shortly', cause?: unknown, i18n?: AppError['i18n']) =>
  new AppError('SERVICE_UNAVAILABLE', 503, message, { headers: { 'Retry-After': '5' }, cause, i18n });

/** Throws `error` unless `condition` holds; narrows types like an assertion. */
export function assertThat(condition: unknown, error: AppError | (() => AppError)): asserts condition {
  if (!condition) throw typeof error === 'function' ? error() : error;
}

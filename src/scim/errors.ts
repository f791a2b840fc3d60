import type { Context, Next } from 'koa';
import { normalizeError } from '../errors/problem.js';
import type { Logger } from '../shared/logger.js';
import { unstorableMessage } from '../http/storable-text.js';
import { ERROR_SCHEMA, SCIM_MEDIA_TYPE, SCIM_PREFIX } from './constants.js';

/** RFC 7644 §3.12 Table 9: the scimType values this server sends. */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive'
  | 'tooLarge';

/** An error a SCIM client is meant to read: an HTTP status, a scimType, and a detail. */
export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly scimType: ScimType | undefined,
    detail: string,
  ) {
    super(detail);
    this.name = 'ScimError';
  }
}

export const invalidFilter = (detail: string) => new ScimError(400, 'invalidFilter', detail);
export const invalidPath = (detail: string) => new ScimError(400, 'invalidPath', detail);
export const invalidSyntax = (detail: string) => new ScimError(400, 'invalidSyntax', detail);
export const invalidValue = (detail: string) => new ScimError(400, 'invalidValue', detail);
export const uniqueness = (detail: string) => new ScimError(409, 'uniqueness', detail);
export const tooLarge = (detail: string) => new ScimError(413, 'tooLarge', detail);
export const scimNotFound = (detail: string) => new ScimError(404, undefined, detail);

/** The RFC 7644 §3.12 error body. */
export function scimErrorBody(status: number, detail: string, scimType?: string) {
  return { schemas: [ERROR_SCHEMA], status: String(status), ...(scimType ? { scimType } : {}), detail };
}

/**
 * Turns every error under /scim/v2 into a SCIM error body. The server's own errors (authentication,
 * throttling, an unreadable body, a storage outage) keep their status and headers; anything
 * unexpected is logged and answered 500 without its message.
 */
export function scimErrors(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (error) {
      let status: number;
      let detail: string;
      let scimType: string | undefined;
      if (error instanceof ScimError) {
        ({ status, scimType } = error);
        detail = error.message;
      } else {
        const normalized = normalizeError(error);
        for (const [name, value] of Object.entries(normalized.headers ?? {})) ctx.set(name, value);
        status = normalized.status;
        detail = normalized.message;
        if (status === 413) scimType = 'tooLarge';
        else if (status === 400 && normalized.code !== 'VALIDATION_FAILED') scimType = 'invalidSyntax';
        else if (status === 400) scimType = 'invalidValue';
        if (status >= 500) ((ctx.state.log as Logger | undefined) ?? logger).error({ err: error }, 'SCIM request failed');
      }
      ctx.status = status;
      ctx.type = SCIM_MEDIA_TYPE;
      ctx.body = scimErrorBody(status, detail, scimType);
    }
  };
}

/** Whether a request path is under /scim/v2 (matched as the routers match: case-insensitively). */
export function isScimPath(path: string): boolean {
  const lower = path.toLowerCase();
  const prefix = SCIM_PREFIX.toLowerCase();
  return lower === prefix || lower.startsWith(`${prefix}/`);
}

/**
 * The refusal of text PostgreSQL cannot store (http/storable-text.ts) in a SCIM path or query, made
 * before the SCIM router runs: a SCIM client reads SCIM error bodies (RFC 7644 §3.12), 400 invalidValue
 * naming the field in its detail.
 */
export function refuseScim(ctx: Context, field: string): void {
  ctx.status = 400;
  ctx.set('Cache-Control', 'no-store');
  ctx.type = SCIM_MEDIA_TYPE;
  ctx.body = scimErrorBody(400, unstorableMessage(field), 'invalidValue');
}

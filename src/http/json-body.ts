import { bodyParser } from '@koa/bodyparser';
import type { Context, Next } from 'koa';
import { AppError } from '../errors/app-error.js';
import { assertStorable } from './storable-text.js';

/** The largest JSON request body the APIs take (413 past it); the OpenAPI documents declare it. */
export const JSON_BODY_LIMIT_BYTES = 64 * 1024;

/**
 * JSON request bodies for APIs: application/json only (415 otherwise), at most JSON_BODY_LIMIT_BYTES
 * (413), valid JSON (400) and no text PostgreSQL cannot store (400 naming the field, see storable-text.ts).
 */
export function jsonBody(limit = JSON_BODY_LIMIT_BYTES) {
  const parse = bodyParser({ enableTypes: ['json'], jsonLimit: limit, encoding: 'utf-8' });
  return async (ctx: Context, next: Next) => {
    if (ctx.request.type && !ctx.is('application/json')) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 415, 'send the request body as application/json');
    }
    let parsed = false;
    try {
      await parse(ctx, () => {
        parsed = true;
        assertStorable(ctx.request.body);
        return next();
      });
    } catch (error) {
      // The parser's own 400 (broken JSON) names the whole body, as a root-level validation error does.
      if (!parsed && (error as { status?: number }).status === 400) {
        throw new AppError('VALIDATION_FAILED', 400, 'the body is not valid JSON', { details: { field: '' }, cause: error });
      }
      throw error;
    }
  };
}

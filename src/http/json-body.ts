import { bodyParser } from '@koa/bodyparser';
import type { Context, Next } from 'koa';
import { AppError } from '../errors/app-error.js';

/** JSON request bodies for APIs: application/json only (415 otherwise), at most `limit`. */
export function jsonBody(limit = '64kb') {
  const parse = bodyParser({ enableTypes: ['json'], jsonLimit: limit, encoding: 'utf-8' });
  return async (ctx: Context, next: Next) => {
    if (ctx.request.type && !ctx.is('application/json')) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 415, 'send the request body as application/json');
    }
    return parse(ctx, next);
  };
}

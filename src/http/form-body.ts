import { bodyParser } from '@koa/bodyparser';
import type { Context, Next } from 'koa';
import { assertStorable } from './storable-text.js';

/**
 * The hosted pages' form bodies: urlencoded only, small, and no text PostgreSQL cannot store (the
 * error page, see storable-text.ts).
 */
export function formBody() {
  const parse = bodyParser({ enableTypes: ['form'], formLimit: '16kb', encoding: 'utf-8' });
  return (ctx: Context, next: Next) =>
    parse(ctx, () => {
      assertStorable(ctx.request.body);
      return next();
    });
}

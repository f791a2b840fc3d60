import type { Context } from 'koa';
import { z } from 'zod';
import type { Actor } from '../audit/changes.js';
import { requestOriginOf } from '../http/request-context.js';
import { parseInput } from '../http/validate.js';
import type { ApiCaller } from '../rbac/api-guard.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface HandlerInput<Q, B> {
  params: Record<string, string>;
  query: Q;
  body: B;
  caller: ApiCaller;
  /** The caller as the audit log names it, with the request's origin. */
  actor: Actor;
  ctx: Context;
}

/**
 * One admin API operation: its HTTP shape, its zod schemas (validated here, and rendered into the
 * OpenAPI document from the same objects), and its handler. GET needs admin:read, anything else
 * admin:write.
 */
export interface AdminRoute<Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> {
  method: Method;
  /** Koa-style path under /admin/api/v1, e.g. /roles/:roleId. */
  path: string;
  tag: string;
  summary: string;
  query?: Q;
  body?: B;
  /** Success status: 200 by default, 201 for creations, 204 without a body. */
  status?: 200 | 201 | 204;
  response?: z.ZodType;
  handler(input: HandlerInput<z.infer<Q>, z.infer<B>>): Promise<unknown>;
}

export function route<Q extends z.ZodType = z.ZodUndefined, B extends z.ZodType = z.ZodUndefined>(definition: AdminRoute<Q, B>): AdminRoute {
  return definition as unknown as AdminRoute;
}

export const requiredPermission = (method: string) => (method.toUpperCase() === 'GET' ? 'admin:read' : 'admin:write');

/** Runs a route: validates query and body (400 naming the field), calls the handler, sets the status. */
export function runRoute(definition: AdminRoute) {
  return async (ctx: Context) => {
    const caller = ctx.state.caller as ApiCaller;
    const query = definition.query ? parseInput(definition.query, ctx.query) : undefined;
    const body = definition.body ? parseInput(definition.body, ctx.request.body) : undefined;
    const actor: Actor = { type: caller.subject.type, id: caller.subject.id, origin: requestOriginOf(ctx.req) };
    const result = await definition.handler({ params: ctx.params as Record<string, string>, query, body, caller, actor, ctx });
    ctx.set('Cache-Control', 'no-store');
    ctx.status = definition.status ?? 200;
    if (ctx.status !== 204) ctx.body = result;
  };
}

/** Query parameters of every listing: cursor pagination. */
export const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50).meta({ description: 'Items per page (1–200).' }),
  cursor: z.string().max(500).optional().meta({ description: 'The `next_cursor` of the previous page.' }),
});

export function pageOf<T, U>(page: { items: T[]; nextCursor: string | null }, present: (item: T) => U) {
  return { items: page.items.map(present), next_cursor: page.nextCursor };
}

export const pageSchema = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), next_cursor: z.string().nullable() });

import Router from '@koa/router';
import type { z } from 'zod';
import { jsonBody } from '../http/json-body.js';
import { requestOriginOf } from '../http/request-context.js';
import { parseInput } from '../http/validate.js';
import type { AccessService, Subject } from './access-service.js';
import type { ApiCaller, ApiGuard } from './api-guard.js';
import type { DenialAudit } from './check-denials.js';
import type { Middleware } from 'koa';
import type { CheckAnswer } from './evaluate.js';
import { buildCheckOpenApiDocument, CHECK_OPENAPI_PATH, CHECK_PATH } from './check-openapi.js';
import { batchCheckSchema, listCheckSchema, MAX_BATCH, singleCheckSchema } from './check-schemas.js';
import { splitObjectRef } from './schemas.js';

export { MAX_BATCH };

type SingleCheck = z.infer<typeof singleCheckSchema>;

function parseSubject(value: string): Subject {
  const colon = value.indexOf(':');
  return { type: value.slice(0, colon) as Subject['type'], id: value.slice(colon + 1) };
}

/**
 * POST /api/authz/check — "may S do P (on O)?" for resource servers, in three forms told apart by
 * their fields: one check, a batch (`checks`), or a list of objects (`object_type`). Callers need a
 * client-credentials token for the check API with the authz:check permission. With
 * AUDIT_PERMISSION_DENIALS on, denied single and batch checks are audit events (check-denials.ts).
 * GET /api/authz/openapi.json describes it.
 */
export function createCheckRouter(deps: {
  access: AccessService;
  guard: ApiGuard;
  audience: string;
  /** Names the server in the OpenAPI document. */
  issuer: string;
  limit?: Middleware;
  /** Given only when AUDIT_PERMISSION_DENIALS is on. */
  recordDenials?: DenialAudit;
}): Router {
  const router = new Router();
  const { access } = deps;

  const answer = (check: SingleCheck): Promise<CheckAnswer> =>
    access.check(parseSubject(check.subject), {
      permission: check.permission,
      object: check.object ? splitObjectRef(check.object) : undefined,
      resource: check.resource,
    });

  router.post(CHECK_PATH, deps.guard.require(deps.audience, () => 'authz:check'), deps.limit ?? ((_ctx, next) => next()), jsonBody(), async (ctx) => {
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    ctx.set('Cache-Control', 'no-store');
    if ('checks' in body) {
      const { checks } = parseInput(batchCheckSchema, body);
      const results = await Promise.all(checks.map(answer));
      if (deps.recordDenials) await deps.recordDenials(ctx.state.caller as ApiCaller, requestOriginOf(ctx.req), checks, results);
      ctx.body = { results };
    } else if ('object_type' in body) {
      const list = parseInput(listCheckSchema, body);
      const result = await access.listObjects(parseSubject(list.subject), { permission: list.permission, objectType: list.object_type, resource: list.resource });
      ctx.body = { subject: list.subject, permission: list.permission, object_type: list.object_type, ...result };
    } else {
      const check = parseInput(singleCheckSchema, body);
      const result = await answer(check);
      if (deps.recordDenials) await deps.recordDenials(ctx.state.caller as ApiCaller, requestOriginOf(ctx.req), [check], [result]);
      ctx.body = result;
    }
  });

  // The OpenAPI document of this endpoint, public like the admin API's.
  let document: unknown;
  router.get(CHECK_OPENAPI_PATH, (ctx) => {
    document ??= buildCheckOpenApiDocument({ issuer: deps.issuer, audience: deps.audience });
    ctx.body = document;
  });

  return router;
}

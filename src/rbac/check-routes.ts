import Router from '@koa/router';
import { z } from 'zod';
import { jsonBody } from '../http/json-body.js';
import { requestOriginOf } from '../http/request-context.js';
import { parseInput } from '../http/validate.js';
import type { AccessService, Subject } from './access-service.js';
import type { ApiCaller, ApiGuard } from './api-guard.js';
import type { DenialAudit } from './check-denials.js';
import type { Middleware } from 'koa';
import type { CheckAnswer } from './evaluate.js';
import { objectRefSchema, objectTypeSchema, splitObjectRef } from './schemas.js';

export const MAX_BATCH = 100;

const subjectSchema = z
  .string()
  .max(300)
  .regex(/^(account|client):\S+$/, 'account:<account id> or client:<client id>')
  .meta({ description: 'Who is asking: `account:<sub>` for a person, `client:<client_id>` for a machine client.' });
const permissionSchema = z.string().min(1).max(128);
const resourceSchema = z.string().min(1).max(500).optional().meta({ description: 'Limit the permission to one API resource (its identifier).' });

export const singleCheckSchema = z.strictObject({ subject: subjectSchema, permission: permissionSchema, object: objectRefSchema.optional(), resource: resourceSchema });
export const batchCheckSchema = z.strictObject({ checks: z.array(singleCheckSchema).min(1).max(MAX_BATCH) });
export const listCheckSchema = z.strictObject({ subject: subjectSchema, permission: permissionSchema, object_type: objectTypeSchema, resource: resourceSchema });

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
 */
export function createCheckRouter(deps: {
  access: AccessService;
  guard: ApiGuard;
  audience: string;
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

  router.post('/api/authz/check', deps.guard.require(deps.audience, () => 'authz:check'), deps.limit ?? ((_ctx, next) => next()), jsonBody(), async (ctx) => {
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

  return router;
}

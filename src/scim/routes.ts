import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import { unstorableField, unstorableMessage } from '../http/storable-text.js';
import type { Logger } from '../shared/logger.js';
import { MAX_BODY_BYTES, SCIM_MEDIA_TYPE, SCIM_PREFIX } from './constants.js';
import type { ScimCaller } from './context.js';
import { discoveryDocuments, listOf } from './discovery.js';
import { invalidValue, ScimError, scimErrors, scimNotFound } from './errors.js';
import type { ScimGroupService } from './group-service.js';
import { attributeList, parseListQuery } from './list-query.js';
import { projection } from './projection.js';
import { groupColumn, userColumn } from './queries.js';
import { GROUP_SCHEMAS, USER_SCHEMAS, type ResourceSchemas } from './schemas.js';
import type { ScimUserService } from './user-service.js';

export interface ScimRouterDeps {
  users: ScimUserService;
  groups: ScimGroupService;
  guard: Middleware;
  limit: Middleware;
  logger: Logger;
  base: string;
}

/**
 * Request bodies: application/scim+json (RFC 7644 §3.1) or application/json, at most MAX_BODY_BYTES,
 * and no text PostgreSQL cannot store (NUL, lone surrogates: a 400 invalidValue naming the field,
 * see http/storable-text.ts) so that it never reaches the database as a 500.
 */
function scimBody(): Middleware {
  // The media type is checked below, so the parser reads every body it is handed as JSON. (Its
  // extendTypes option is lodash-merged index by index into its defaults: naming scim+json there
  // overwrote application/json, and such bodies were silently parsed as {}.)
  const parse = bodyParser({ enableTypes: ['json'], jsonLimit: MAX_BODY_BYTES, encoding: 'utf-8', detectJSON: () => true });
  return async (ctx: Context, next: Next) => {
    if (!['POST', 'PUT', 'PATCH'].includes(ctx.method)) return next();
    if (ctx.request.length > MAX_BODY_BYTES) throw new ScimError(413, 'tooLarge', `a request body has at most ${MAX_BODY_BYTES} bytes`);
    if (!ctx.is(SCIM_MEDIA_TYPE, 'application/json')) throw new ScimError(415, undefined, `send the body as ${SCIM_MEDIA_TYPE}`);
    return parse(ctx, () => {
      const field = unstorableField(ctx.request.body);
      if (field !== undefined) throw invalidValue(unstorableMessage(field));
      return next();
    });
  };
}

function respond(ctx: Context, status: number, body?: Record<string, unknown>) {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  if (body === undefined) return;
  const meta = body.meta as { version?: string; location?: string } | undefined;
  if (meta?.version) ctx.set('ETag', meta.version);
  if (status === 201 && meta?.location) ctx.set('Location', meta.location);
  ctx.body = body;
  ctx.type = SCIM_MEDIA_TYPE;
}

const callerOf = (ctx: Context) => ctx.state.scim as ScimCaller;
const ifMatch = (ctx: Context) => ctx.get('if-match') || undefined;
const viewOf = (ctx: Context, schemas: ResourceSchemas) => {
  const query = ctx.query as Record<string, unknown>;
  const param = (name: string) => Object.entries(query).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
  return projection(schemas, attributeList(param('attributes')), attributeList(param('excludedAttributes')));
};

/** One resource, with If-None-Match answered 304 when the client already has this version. */
function single(ctx: Context, resource: Record<string, unknown>, schemas: ResourceSchemas) {
  const version = (resource.meta as { version: string }).version;
  if (ctx.get('if-none-match') && ctx.get('if-none-match').split(',').map((tag) => tag.trim().replace(/^W\//, '')).includes(version.replace(/^W\//, ''))) {
    ctx.set('ETag', version);
    ctx.status = 304;
    return;
  }
  const shown = viewOf(ctx, schemas).apply(resource);
  respond(ctx, 200, { ...shown, meta: resource.meta });
}

/**
 * The SCIM 2.0 API (RFC 7644) under /scim/v2: discovery, /Users and /Groups. Every route needs a
 * directory's credential (guard), is throttled per directory like the admin API (limit), and
 * answers errors as SCIM error bodies.
 */
export function createScimRouter(deps: ScimRouterDeps): Router {
  const { users, groups } = deps;
  const router = new Router({ prefix: SCIM_PREFIX });
  const discovery = discoveryDocuments(deps.base);
  router.use(scimErrors(deps.logger), deps.guard, deps.limit, scimBody());

  router.get('/ServiceProviderConfig', (ctx) => respond(ctx, 200, discovery.serviceProviderConfig));
  router.get('/ResourceTypes', (ctx) => respond(ctx, 200, listOf(discovery.resourceTypes)));
  router.get('/ResourceTypes/:id', (ctx) => {
    const found = discovery.resourceTypes.find((type) => type.id === ctx.params.id);
    if (!found) throw scimNotFound('no such resource type');
    respond(ctx, 200, found);
  });
  router.get('/Schemas', (ctx) => respond(ctx, 200, listOf(discovery.schemas)));
  router.get('/Schemas/:id', (ctx) => {
    const found = discovery.schemas.find((schema) => schema.id === ctx.params.id);
    if (!found) throw scimNotFound('no such schema');
    respond(ctx, 200, found);
  });

  router.get('/Users', async (ctx) => respond(ctx, 200, await users.list(callerOf(ctx), parseListQuery(ctx.query, userColumn))));
  router.post('/Users', async (ctx) => respond(ctx, 201, await users.create(callerOf(ctx), ctx.request.body)));
  router.get('/Users/:id', async (ctx) => single(ctx, await users.get(callerOf(ctx), ctx.params.id), USER_SCHEMAS));
  router.put('/Users/:id', async (ctx) => single(ctx, await users.replace(callerOf(ctx), ctx.params.id, ctx.request.body, ifMatch(ctx)), USER_SCHEMAS));
  router.patch('/Users/:id', async (ctx) => single(ctx, await users.patch(callerOf(ctx), ctx.params.id, ctx.request.body, ifMatch(ctx)), USER_SCHEMAS));
  router.delete('/Users/:id', async (ctx) => {
    await users.remove(callerOf(ctx), ctx.params.id, ifMatch(ctx));
    respond(ctx, 204);
  });

  router.get('/Groups', async (ctx) => respond(ctx, 200, await groups.list(callerOf(ctx), parseListQuery(ctx.query, groupColumn))));
  router.post('/Groups', async (ctx) => respond(ctx, 201, await groups.get(callerOf(ctx), await groups.create(callerOf(ctx), ctx.request.body))));
  router.get('/Groups/:id', async (ctx) => {
    const withMembers = viewOf(ctx, GROUP_SCHEMAS).shows('members');
    single(ctx, await groups.get(callerOf(ctx), ctx.params.id, withMembers), GROUP_SCHEMAS);
  });
  const groupWrite = (write: 'replace' | 'patch') => async (ctx: Context) => {
    await groups[write](callerOf(ctx), ctx.params.id, ctx.request.body, ifMatch(ctx));
    const view = viewOf(ctx, GROUP_SCHEMAS);
    // RFC 7644 §3.5.2: 204 unless the client asked for attributes; a large group is not sent back for every member change.
    const asked = Object.keys(ctx.query).some((key) => ['attributes', 'excludedattributes'].includes(key.toLowerCase()));
    const current = await groups.get(callerOf(ctx), ctx.params.id, (write === 'replace' || asked) && view.shows('members'));
    if (write === 'patch' && !asked) {
      ctx.set('ETag', (current.meta as { version: string }).version);
      return respond(ctx, 204);
    }
    single(ctx, current, GROUP_SCHEMAS);
  };
  router.put('/Groups/:id', groupWrite('replace'));
  router.patch('/Groups/:id', groupWrite('patch'));
  router.delete('/Groups/:id', async (ctx) => {
    await groups.remove(callerOf(ctx), ctx.params.id, ifMatch(ctx));
    respond(ctx, 204);
  });

  router.all('/{*rest}', () => {
    throw scimNotFound('no such SCIM endpoint');
  });
  return router;
}

import { diffFields, recordChange } from '../audit/changes.js';
import { notFound } from '../errors/app-error.js';
import { isUuid } from '../rbac/subjects.js';
import {
  accountAttributesSchema,
  attributeSchema,
  claimScopeSchema,
  createAttributeSchema,
  createClaimScopeSchema,
  updateAccountAttributesSchema,
  updateAttributeSchema,
  updateClaimScopeSchema,
} from './attribute-schemas.js';
import type { AdminDeps } from './deps.js';
import { pageOf, pageQuery, pageSchema, route, type AdminRoute } from './route-kit.js';

/** The profile schema (attributes), custom claim scopes, and each account's attribute values. */
export function attributeRoutes(deps: AdminDeps): AdminRoute[] {
  const requireAccount = async (id: string) => {
    const account = isUuid(id) ? await deps.accounts.findById(id) : undefined;
    if (!account) throw notFound('no account with this id');
    return account;
  };

  return [
    route({
      method: 'get', path: '/attributes', tag: 'attributes', summary: 'List the attributes of the profile schema', query: pageQuery, response: pageSchema(attributeSchema),
      handler: async ({ query }) => pageOf(await deps.attributes.listAttributesPage(query), (attribute) => attribute),
    }),
    route({
      method: 'post', path: '/attributes', tag: 'attributes', summary: 'Add an attribute to the profile schema', body: createAttributeSchema, status: 201, response: attributeSchema,
      handler: ({ body, actor }) => deps.attributes.defineAttribute(body, actor),
    }),
    route({
      method: 'get', path: '/attributes/:attributeName', tag: 'attributes', summary: 'Get an attribute', response: attributeSchema,
      handler: ({ params }) => deps.attributes.requireAttribute(params.attributeName),
    }),
    route({
      method: 'patch', path: '/attributes/:attributeName', tag: 'attributes',
      summary: 'Change an attribute (label, rule, required, who edits it, sign-up) or deprecate it (status: deprecated)', body: updateAttributeSchema, response: attributeSchema,
      handler: ({ params, body, actor }) => deps.attributes.updateAttribute(params.attributeName, body, actor),
    }),
    route({
      method: 'delete', path: '/attributes/:attributeName', tag: 'attributes',
      summary: 'Remove a deprecated attribute and its values (409 ATTRIBUTE_NOT_DEPRECATED otherwise)', status: 204,
      handler: ({ params, actor }) => deps.attributes.removeAttribute(params.attributeName, actor),
    }),
    route({
      method: 'get', path: '/scopes', tag: 'attributes', summary: 'List the custom scopes and the attributes each releases', query: pageQuery,
      response: pageSchema(claimScopeSchema),
      handler: async ({ query }) => pageOf(await deps.attributes.listScopesPage(query), (scope) => scope),
    }),
    route({
      method: 'post', path: '/scopes', tag: 'attributes', summary: 'Add a custom scope releasing a set of attributes as claims', body: createClaimScopeSchema, status: 201, response: claimScopeSchema,
      handler: ({ body, actor }) => deps.attributes.defineScope({ name: body.name, description: body.description ?? null, claims: body.claims }, actor),
    }),
    route({
      method: 'get', path: '/scopes/:scopeName', tag: 'attributes', summary: 'Get a custom scope', response: claimScopeSchema,
      handler: ({ params }) => deps.attributes.requireScope(params.scopeName),
    }),
    route({
      method: 'patch', path: '/scopes/:scopeName', tag: 'attributes', summary: 'Change what a custom scope releases, or its description', body: updateClaimScopeSchema, response: claimScopeSchema,
      handler: ({ params, body, actor }) => deps.attributes.updateScope(params.scopeName, body, actor),
    }),
    route({
      method: 'delete', path: '/scopes/:scopeName', tag: 'attributes', summary: 'Remove a custom scope', status: 204,
      handler: ({ params, actor }) => deps.attributes.removeScope(params.scopeName, actor),
    }),
    route({
      method: 'get', path: '/accounts/:accountId/attributes', tag: 'accounts', summary: "Get an account's attribute values", response: accountAttributesSchema,
      handler: async ({ params }) => ({ attributes: await deps.attributes.valuesOf((await requireAccount(params.accountId)).id) }),
    }),
    route({
      method: 'patch', path: '/accounts/:accountId/attributes', tag: 'accounts',
      summary: "Set (or with null, remove) an account's attribute values; a bad value is a 400 naming the attribute", body: updateAccountAttributesSchema, response: accountAttributesSchema,
      handler: async ({ params, body, actor }) => {
        const account = await requireAccount(params.accountId);
        const before = await deps.attributes.valuesOf(account.id);
        const after = await deps.attributes.setValues(account.id, body.attributes, 'admin');
        await recordChange(deps.audit, {
          type: 'account.updated', actor, target: { type: 'account', id: account.id, name: account.email }, accountId: account.id,
          changes: diffFields({ attributes: before }, { attributes: after }),
        });
        return { attributes: after };
      },
    }),
  ];
}

import { z } from 'zod';
import 'zod-openapi';
import { PRESET_NAMES } from './presets.js';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Upstream endpoints must be https; plain http is accepted only on this machine (local tests, dev).
 * zod runs this refinement even when the value already failed z.url(), so an unparsable value is
 * simply not secure (URL.parse), never an exception that would surface as a 500.
 */
export function isSecureOrLoopback(value: string): boolean {
  const url = URL.parse(value);
  return url !== null && (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname)));
}

const upstreamUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(2000)
  .refine(isSecureOrLoopback, 'must be https (http is accepted only for localhost)');
/** `link` and `continue` name steps under /interaction/:uid/federation/, so no connection may take them. */
export const slugSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes, at most 40')
  .refine((slug) => !['link', 'continue'].includes(slug), 'is reserved');
const claimPath = z.string().regex(/^[A-Za-z0-9_:\-]+(\.[A-Za-z0-9_:\-]+)*$/, 'a claim name, or a dot path such as realm_access.roles').max(200);
const domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'a domain name such as example.com');

const attributeMap = z.strictObject({ subject: claimPath.optional(), email: claimPath.optional(), email_verified: claimPath.optional(), name: claimPath.optional() });

const editable = {
  display_name: z.string().trim().min(1).max(80).optional(),
  issuer: upstreamUrl.optional().meta({ description: 'OIDC: the issuer, discovered from /.well-known/openid-configuration. OAuth 2.0: a label.' }),
  authorization_endpoint: upstreamUrl.optional(),
  token_endpoint: upstreamUrl.optional(),
  userinfo_endpoint: upstreamUrl.optional(),
  client_id: z.string().min(1).max(500).optional(),
  client_secret: z.string().min(1).max(2000).optional().meta({ description: 'Stored encrypted; never returned.' }),
  scopes: z.string().trim().min(1).max(500).optional(),
  enabled: z.boolean().optional(),
  allow_jit: z.boolean().optional().meta({ description: 'Create a local account at the first sign-in.' }),
  trust_upstream_mfa: z.boolean().optional().meta({ description: 'Count the upstream MFA (amr mfa, or the PAPE multi-factor acr) as ours.' }),
  domains: z.array(domain).max(100).optional().meta({ description: 'Email domains sent straight to this connection (home-realm discovery).' }),
  attribute_map: attributeMap.optional(),
  groups_claim: claimPath.nullable().optional().meta({ description: 'The upstream claim holding group or role values.' }),
  group_map: z.record(z.string().min(1).max(200), z.uuid()).optional().meta({ description: 'Upstream group value → local group id.' }),
};

export const createConnectionSchema = z.strictObject({
  preset: z.enum(PRESET_NAMES as [string, ...string[]]).optional(),
  slug: slugSchema.optional().meta({ description: 'Names the connection in URLs; defaults to the preset name.' }),
  kind: z.enum(['oidc', 'oauth2']).optional(),
  ...editable,
  client_id: z.string().min(1).max(500),
});
export type CreateConnectionInput = z.infer<typeof createConnectionSchema>;

export const updateConnectionSchema = z.strictObject(editable).refine((value) => Object.keys(value).length > 0, 'name at least one field to change');
export type UpdateConnectionInput = z.infer<typeof updateConnectionSchema>;

export const connectionSchema = z
  .object({
    id: z.uuid(),
    slug: z.string(),
    display_name: z.string(),
    kind: z.enum(['oidc', 'oauth2']),
    preset: z.string().nullable(),
    issuer: z.string(),
    authorization_endpoint: z.string().nullable(),
    token_endpoint: z.string().nullable(),
    userinfo_endpoint: z.string().nullable(),
    client_id: z.string(),
    has_client_secret: z.boolean(),
    scopes: z.string(),
    enabled: z.boolean(),
    allow_jit: z.boolean(),
    trust_upstream_mfa: z.boolean(),
    domains: z.array(z.string()),
    attribute_map: attributeMap,
    groups_claim: z.string().nullable(),
    group_map: z.record(z.string(), z.string()),
    redirect_uri: z.string().meta({ description: 'Register this callback URL with the upstream provider.' }),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .meta({ id: 'Connection' });

export const clientConnectionsSchema = z
  .object({ client_id: z.string(), connection_ids: z.array(z.uuid()).nullable().meta({ description: 'null: every enabled connection is offered.' }) })
  .meta({ id: 'ClientConnections' });
export const setClientConnectionsSchema = z.strictObject({ connection_ids: z.array(z.uuid()).max(100).nullable() });

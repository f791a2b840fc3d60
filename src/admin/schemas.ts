import { z } from 'zod';
import 'zod-openapi';
import {
  descriptionSchema,
  nameSchema,
  objectRefSchema,
  permissionNameSchema,
  resourceIdentifierSchema,
  tokenTtlSchema,
} from '../rbac/schemas.js';
import { attributeValuesInput } from './attribute-schemas.js';
import { clientPageLink, LOGO_URI, POLICY_URI, TOS_URI } from '../clients/page-links.js';

/** Request and response bodies of the admin API (snake_case, like the OAuth and OIDC documents). */

const timestamp = z.iso.datetime().meta({ description: 'RFC 3339 time' });
const optionalTimestamp = timestamp.nullable();
const redirectUri = z.url({ protocol: /^[a-z][a-z0-9+.-]*$/ }).max(2000);

export { problemSchema } from '../errors/problem-schema.js';

// Accounts
export const accountSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    email_verified: z.boolean(),
    name: z.string().nullable(),
    status: z.enum(['active', 'disabled']),
    created_at: timestamp,
    updated_at: timestamp,
    last_login_at: optionalTimestamp,
    locked_at: optionalTimestamp.meta({ description: 'Set while the account is locked by failed sign-ins' }),
  })
  .meta({ id: 'Account' });
export const createAccountSchema = z.strictObject({
  email: z.email().max(254),
  name: z.string().trim().max(200).optional(),
  password: z.string().min(8).max(1024).optional().meta({ description: 'Omit to create an account that cannot sign in with a password yet.' }),
  email_verified: z.boolean().optional(),
  attributes: attributeValuesInput.optional().meta({ description: 'Attribute values; every active required attribute must be given' }),
  send_invitation: z.boolean().optional()
    .meta({ description: 'Mail the person a link to set their password (valid SCIM_INVITATION_TTL); not with password' }),
}).refine((value) => !(value.send_invitation && value.password), { message: 'an invited person sets their own password: leave password out', path: ['send_invitation'] });
export const updateAccountSchema = z
  .strictObject({
    email: z.email().max(254).optional(),
    name: z.string().trim().max(200).nullable().optional(),
    email_verified: z.boolean().optional(),
    status: z.enum(['active', 'disabled']).optional(),
  })
  .refine((value) => Object.keys(value).length > 0, 'name at least one field to change');
export const accountQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
  email: z.string().max(254).optional().meta({ description: 'Exact email (case-insensitive).' }),
  locked: z.enum(['true', 'false']).optional().meta({ description: 'Only locked (true) or unlocked (false) accounts.' }),
  search: z.string().trim().min(1).max(254).optional()
    .meta({ description: 'Accounts whose email starts with it, or whose name has words starting with each of its words (case-insensitive).' }),
  attribute: z.string().max(300).regex(/^[a-z][a-z0-9_]{0,63}=.+$/s, 'name=value, e.g. department=sales').optional()
    .meta({ description: "Accounts whose attribute has this value (name=value, case-insensitive); for a list attribute, that holds this item." }),
});
export const mfaResetSchema = z.object({ had_factor: z.boolean() }).meta({ id: 'MfaReset' });
export const sessionSchema = z
  .object({ uid: z.string(), login_at: optionalTimestamp, expires_at: optionalTimestamp, client_ids: z.array(z.string()) })
  .meta({ id: 'Session' });
export const grantSchema = z
  .object({
    grant_id: z.string(),
    client_id: z.string(),
    scope: z.string().nullable().meta({ description: 'OpenID Connect scopes granted' }),
    resources: z.record(z.string(), z.string()).meta({ description: 'API resource → granted scope' }),
    created_at: timestamp,
    expires_at: optionalTimestamp,
  })
  .meta({ id: 'Grant' });

// Clients
const SYSTEM_API_DELEGATION =
  "May act for signed-in people on this server's admin and check APIs (first-party web, spa or native clients only). " +
  'Such tokens must carry the permission as an explicit scope, consented on the consent page, from a multi-factor sign-in (acr).';
const clientTypeSchema = z.enum(['web', 'spa', 'native', 'machine', 'device']).meta({
  description: 'web (confidential, code flow), spa and native (public, code flow with PKCE), machine (confidential, client credentials), ' +
    'device (public, RFC 8628 device authorization grant: no redirect URI, people approve on the hosted /device pages)',
});
const AUTH_METHOD =
  'How a confidential client authenticates: client_secret_basic (default), client_secret_post, or private_key_jwt (RFC 7523; ' +
  'needs jwks or jwks_uri). A private_key_jwt client is refused with its secret. Public clients: none.';
const jwksSchema = z
  .object({ keys: z.array(z.record(z.string(), z.unknown())).min(1).max(10) })
  .meta({ id: 'ClientJwks', description: "The client's public signing keys (JWK Set, RFC 7517); several keys need distinct kid values. Private key members are refused." });
const jwksUriSchema = z.url({ protocol: /^https?$/ }).max(2000).meta({ description: "Where the client publishes its public keys; fetched through the outbound guard (no private destinations)" });
const DPOP_BOUND = 'RFC 9449 §5.2: tokens are issued only against a DPoP proof, and are bound to its key';
const REQUIRE_PAR = 'RFC 9126 §6: authorization requests only through the pushed authorization request endpoint';
const BACKCHANNEL_LOGOUT_URI =
  'OpenID Connect Back-Channel Logout 1.0: where logout tokens are POSTed whenever a session with this client ends. ' +
  'Absolute http(s) URL, no fragment, https when the issuer is, a public address unless OUTBOUND_ALLOWED_HOSTS names it';
const backchannelLogoutUriSchema = z.url({ protocol: /^https?$/ }).max(2000).refine((value) => !value.includes('#'), 'must not contain a fragment').meta({ description: BACKCHANNEL_LOGOUT_URI });
const BACKCHANNEL_SESSION_REQUIRED = 'Each logout token carries the sid of the session that ended (needs backchannel_logout_uri)';
const REQUIRE_PHISHING_RESISTANT = 'Every sign-in to this client must end with a passkey (acr http://schemas.openid.net/pape/policies/2007/06/phishing-resistant), as if it asked with acr_values';
export const clientSchema = z
  .object({
    client_id: z.string(),
    name: z.string(),
    type: clientTypeSchema,
    first_party: z.boolean(),
    require_mfa: z.boolean(),
    require_phishing_resistant: z.boolean().meta({ description: REQUIRE_PHISHING_RESISTANT }),
    system_api_delegation: z.boolean().meta({ description: SYSTEM_API_DELEGATION }),
    require_verified_email: z.boolean(),
    redirect_uris: z.array(z.string()),
    post_logout_redirect_uris: z.array(z.string()),
    grant_types: z.array(z.string()),
    scope: z.string().nullable(),
    default_max_age: z.number().int().nullable().meta({ description: 'Seconds since sign-in after which this client makes people sign in again' }),
    token_endpoint_auth_method: z.string().meta({ description: AUTH_METHOD }),
    jwks: jwksSchema.nullable(),
    jwks_uri: z.string().nullable(),
    dpop_bound_access_tokens: z.boolean().meta({ description: DPOP_BOUND }),
    require_pushed_authorization_requests: z.boolean().meta({ description: REQUIRE_PAR }),
    backchannel_logout_uri: z.string().nullable().meta({ description: BACKCHANNEL_LOGOUT_URI }),
    backchannel_logout_session_required: z.boolean().meta({ description: BACKCHANNEL_SESSION_REQUIRED }),
    logo_uri: z.string().nullable().meta({ description: LOGO_URI }),
    policy_uri: z.string().nullable().meta({ description: POLICY_URI }),
    tos_uri: z.string().nullable().meta({ description: TOS_URI }),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Client' });
export const clientWithSecretSchema = clientSchema
  .extend({ client_secret: z.string().optional().meta({ description: 'Shown once: only its hash is stored.' }) })
  .meta({ id: 'ClientWithSecret' });
/** OIDC Dynamic Client Registration §2 `default_max_age`, in seconds (at most a year). */
const maxAgeSchema = z.number().int().min(0).max(366 * 86400).meta({ description: 'Sign-ins older than this (seconds) must sign in again for this client' });
const scopeString = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/, 'space-separated scope tokens').max(2000);
export const createClientSchema = z.strictObject({
  name: z.string().trim().min(1).max(120),
  type: clientTypeSchema,
  redirect_uris: z.array(redirectUri).max(20).default([]),
  post_logout_redirect_uris: z.array(redirectUri).max(20).default([]),
  scope: scopeString.optional(),
  first_party: z.boolean().default(false),
  require_mfa: z.boolean().default(false).meta({ description: 'Everyone signing in to this client needs a second factor' }),
  require_phishing_resistant: z.boolean().default(false).meta({ description: REQUIRE_PHISHING_RESISTANT }),
  system_api_delegation: z.boolean().default(false).meta({ description: SYSTEM_API_DELEGATION }),
  require_verified_email: z.boolean().default(false).meta({ description: 'Sign-in completes only for accounts with a verified email' }),
  default_max_age: maxAgeSchema.optional(),
  token_endpoint_auth_method: z.enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt']).optional().meta({ description: AUTH_METHOD }),
  jwks: jwksSchema.optional(),
  jwks_uri: jwksUriSchema.optional(),
  dpop_bound_access_tokens: z.boolean().default(false).meta({ description: DPOP_BOUND }),
  require_pushed_authorization_requests: z.boolean().default(false).meta({ description: REQUIRE_PAR }),
  backchannel_logout_uri: backchannelLogoutUriSchema.optional(),
  backchannel_logout_session_required: z.boolean().default(false).meta({ description: BACKCHANNEL_SESSION_REQUIRED }),
  logo_uri: clientPageLink(LOGO_URI).optional(),
  policy_uri: clientPageLink(POLICY_URI).optional(),
  tos_uri: clientPageLink(TOS_URI).optional(),
});
export const updateClientSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(120).optional(),
    redirect_uris: z.array(redirectUri).max(20).optional(),
    post_logout_redirect_uris: z.array(redirectUri).max(20).optional(),
    scope: scopeString.nullable().optional(),
    first_party: z.boolean().optional(),
    require_mfa: z.boolean().optional(),
    require_phishing_resistant: z.boolean().optional().meta({ description: REQUIRE_PHISHING_RESISTANT }),
    system_api_delegation: z.boolean().optional().meta({ description: SYSTEM_API_DELEGATION }),
    require_verified_email: z.boolean().optional(),
    default_max_age: maxAgeSchema.nullable().optional(),
    token_endpoint_auth_method: z.enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt']).optional().meta({ description: AUTH_METHOD }),
    jwks: jwksSchema.nullable().optional().meta({ description: 'Replaces the registered keys (rotation: register the old and new keys together, then the new alone); null removes them' }),
    jwks_uri: jwksUriSchema.nullable().optional(),
    dpop_bound_access_tokens: z.boolean().optional().meta({ description: DPOP_BOUND }),
    require_pushed_authorization_requests: z.boolean().optional().meta({ description: REQUIRE_PAR }),
    backchannel_logout_uri: backchannelLogoutUriSchema.nullable().optional().meta({ description: `${BACKCHANNEL_LOGOUT_URI}; null removes it` }),
    backchannel_logout_session_required: z.boolean().optional().meta({ description: BACKCHANNEL_SESSION_REQUIRED }),
    logo_uri: clientPageLink(`${LOGO_URI}; null removes it`).nullable().optional(),
    policy_uri: clientPageLink(`${POLICY_URI}; null removes it`).nullable().optional(),
    tos_uri: clientPageLink(`${TOS_URI}; null removes it`).nullable().optional(),
  })
  .refine((value) => Object.keys(value).length > 0, 'name at least one field to change');
export const logoutDeliveryQuery = z.strictObject({
  status: z.enum(['pending', 'delivered', 'failed']).optional().meta({ description: 'Only deliveries in this state' }),
  limit: z.coerce.number().int().min(1).max(500).default(20),
});
export const logoutDeliverySchema = z
  .object({
    id: z.string(),
    client_id: z.string(),
    account_id: z.string(),
    reason: z.string().meta({ description: 'What ended the session: signed_out, session_revoked, sessions_revoked, password_changed, password_reset, account_disabled, account_deleted, grant_revoked' }),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int(),
    next_attempt_at: optionalTimestamp.meta({ description: 'When the next attempt is due (pending only)' }),
    last_status: z.number().int().nullable().meta({ description: "The receiver's last HTTP status" }),
    last_error: z.string().nullable(),
    delivered_at: optionalTimestamp,
    created_at: timestamp,
  })
  .meta({ id: 'BackchannelLogoutDelivery' });
export const secretSchema = z.object({ client_id: z.string(), client_secret: z.string() }).meta({ id: 'ClientSecret' });

// API resources and permissions
const RESOURCE_SERVERS =
  "Confidential clients registered as this API's resource servers: besides the client a token was issued to, only they may introspect the API's tokens (RFC 7662 §4)";
const resourceServerIds = z.array(z.string().min(1).max(200)).max(50).meta({ description: RESOURCE_SERVERS });
export const permissionSchema = z
  .object({ id: z.uuid(), resource_id: z.uuid(), name: z.string(), description: z.string().nullable(), created_at: timestamp })
  .meta({ id: 'Permission' });
export const resourceSchema = z
  .object({
    id: z.uuid(),
    identifier: z.string().meta({ description: 'The audience URI (RFC 8707 resource indicator)' }),
    name: z.string(),
    description: z.string().nullable(),
    access_token_ttl: z.number().int().nullable(),
    token_format: z.enum(['jwt', 'opaque']),
    system: z.boolean().meta({ description: "The server's own API: read-only" }),
    resource_server_client_ids: z.array(z.string()).meta({ description: RESOURCE_SERVERS }),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Resource' });
export const resourceDetailSchema = resourceSchema.extend({ permissions: z.array(permissionSchema) }).meta({ id: 'ResourceDetail' });
const permissionInput = z.strictObject({ name: permissionNameSchema, description: descriptionSchema.optional() });
export const createResourceSchema = z.strictObject({
  identifier: resourceIdentifierSchema,
  name: z.string().trim().min(1).max(120).optional(),
  description: descriptionSchema.optional(),
  access_token_ttl: tokenTtlSchema.nullable().optional(),
  token_format: z.enum(['jwt', 'opaque']).optional(),
  permissions: z.array(permissionInput).max(500).optional(),
  resource_server_client_ids: resourceServerIds.optional(),
});
export const updateResourceSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(120).optional(),
    description: descriptionSchema.optional(),
    access_token_ttl: tokenTtlSchema.nullable().optional(),
    token_format: z.enum(['jwt', 'opaque']).optional(),
    resource_server_client_ids: resourceServerIds.optional(),
  })
  .refine((value) => Object.keys(value).length > 0, 'name at least one field to change');
export const createPermissionSchema = permissionInput;
export const updatePermissionSchema = z
  .strictObject({ name: permissionNameSchema.optional(), description: descriptionSchema.optional() })
  .refine((value) => Object.keys(value).length > 0, 'name at least one field to change');

// Roles and groups
export const roleSchema = z
  .object({ id: z.uuid(), name: z.string(), description: z.string().nullable(), created_at: timestamp, updated_at: timestamp })
  .meta({ id: 'Role' });
export const rolePermissionSchema = z
  .object({ permission_id: z.uuid(), name: z.string(), resource_id: z.uuid(), resource: z.string(), added_at: timestamp })
  .meta({ id: 'RolePermission' });
export const roleDetailSchema = roleSchema.extend({ permissions: z.array(rolePermissionSchema) }).meta({ id: 'RoleDetail' });
export const createRoleSchema = z.strictObject({
  name: nameSchema,
  description: descriptionSchema.optional(),
  permission_ids: z.array(z.uuid()).max(500).optional().meta({ description: 'Permissions the role starts with' }),
});
export const updateRoleSchema = z
  .strictObject({ name: nameSchema.optional(), description: descriptionSchema.optional() })
  .refine((value) => Object.keys(value).length > 0, 'name at least one field to change');
export const roleAssignmentSchema = z
  .object({ role_id: z.uuid(), role: z.string(), subject_type: z.enum(['account', 'group', 'client']), subject_id: z.string(), created_at: timestamp })
  .meta({ id: 'RoleAssignment' });
const requireMfaSchema = z.boolean().meta({ description: 'Members must sign in with a second factor' });
const requirePhishingResistantSchema = z.boolean().meta({ description: 'Members must sign in with a passkey (the phishing-resistant acr), whatever the client' });
export const groupSchema = roleSchema.extend({ require_mfa: requireMfaSchema, require_phishing_resistant: requirePhishingResistantSchema }).meta({ id: 'Group' });
export const createGroupSchema = z.strictObject({
  name: nameSchema, description: descriptionSchema.optional(), require_mfa: requireMfaSchema.optional(), require_phishing_resistant: requirePhishingResistantSchema.optional(),
});
export const updateGroupSchema = z
  .strictObject({ name: nameSchema.optional(), description: descriptionSchema.optional(), require_mfa: requireMfaSchema.optional(), require_phishing_resistant: requirePhishingResistantSchema.optional() })
  .refine((value) => Object.keys(value).length > 0, 'name at least one field to change');
export const memberSchema = z
  .object({ type: z.enum(['account', 'group']), id: z.uuid(), name: z.string(), added_at: timestamp })
  .meta({ id: 'Member' });

// Object grants
export const objectGrantSchema = z
  .object({
    id: z.uuid(),
    permission_id: z.uuid(),
    resource: z.string(),
    permission: z.string(),
    object: z.string().meta({ description: 'type:id' }),
    subject_type: z.enum(['account', 'group']),
    subject_id: z.uuid(),
    created_at: timestamp,
  })
  .meta({ id: 'ObjectGrant' });
export const createObjectGrantSchema = z
  .strictObject({
    subject_type: z.enum(['account', 'group']),
    subject_id: z.string().max(100),
    permission_id: z.uuid().optional(),
    resource: z.string().max(500).optional().meta({ description: 'With `permission`: names the permission instead of permission_id' }),
    permission: z.string().max(128).optional(),
    object: objectRefSchema,
  })
  .refine((value) => value.permission_id !== undefined || (value.resource !== undefined && value.permission !== undefined), {
    message: 'give permission_id, or resource and permission',
    path: ['permission_id'],
  });
export const objectGrantQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
  account_id: z.uuid().optional(),
  group_id: z.uuid().optional(),
  permission_id: z.uuid().optional(),
  object: objectRefSchema.optional(),
});

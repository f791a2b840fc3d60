import { z } from 'zod';

/**
 * Input rules of the RBAC domain, shared by every edge that accepts them (admin API, CLI, check API).
 * Names are case-insensitive unique; permission names are RFC 6749 §3.3 scope tokens.
 */

/** Scopes this server defines itself: a permission may not shadow one. */
export const RESERVED_SCOPES = new Set(['openid', 'offline_access', 'email', 'profile', 'groups', 'roles']);

export const nameSchema = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9 _.:@/+-]*$/, 'letters, digits, spaces and _ . : @ / + -, starting with a letter or digit');

export const descriptionSchema = z.string().trim().max(500).nullable();

export const permissionNameSchema = z
  .string()
  .regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/, 'a scope token (RFC 6749 §3.3): no spaces, quotes or backslashes')
  .refine((value) => !RESERVED_SCOPES.has(value), 'is a scope this server reserves');

export const resourceIdentifierSchema = z
  .url({ protocol: /^https?$/ })
  .max(500)
  .refine((value) => !value.includes('#'), 'must not contain a fragment (RFC 8707 §2)');

/** The longest access-token lifetime a resource may ask for; signing keys are kept at least this long. */
export const MAX_RESOURCE_TOKEN_TTL = 86_400;

export const tokenTtlSchema = z.number().int().positive().max(MAX_RESOURCE_TOKEN_TTL);

export const objectTypeSchema = z.string().regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'lower-case letters, digits, _ . -, starting with a letter');

/** An object reference `type:id`, for example `document:42`. */
export const objectRefSchema = z
  .string()
  .max(300)
  .regex(/^[a-z][a-z0-9_.-]{0,63}:\S{1,256}$/, 'an object reference type:id, such as document:42');

export function splitObjectRef(ref: string): { type: string; id: string } {
  const colon = ref.indexOf(':');
  return { type: ref.slice(0, colon), id: ref.slice(colon + 1) };
}

export const uuidSchema = z.uuid();

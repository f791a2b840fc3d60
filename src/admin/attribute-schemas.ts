import { z } from 'zod';
import 'zod-openapi';
import { ATTRIBUTE_TYPES, attributeNameSchema, ruleSchema, scopeNameSchema } from '../attributes/schema.js';

/** Bodies of the admin API's profile-schema routes: attributes, claim scopes and account values. */

const timestamp = z.iso.datetime().meta({ description: 'RFC 3339 time' });
const labelSchema = z.string().trim().min(1).max(100).nullable();
const descriptionSchema = z.string().trim().max(500).nullable();
const editableBySchema = z.enum(['user', 'admin']).meta({ description: 'user: the person may change it on the account page; admin: only operators' });

export const attributeSchema = z
  .object({
    id: z.uuid(),
    name: z.string().meta({ description: 'Also the claim name; standard claim names (OIDC Core §5.1) go under their standard scope' }),
    type: z.enum(ATTRIBUTE_TYPES),
    label: z.string().nullable(),
    description: z.string().nullable(),
    required: z.boolean(),
    rule: ruleSchema,
    editable_by: editableBySchema,
    show_at_signup: z.boolean(),
    status: z.enum(['active', 'deprecated']).meta({ description: 'A deprecated attribute keeps its values and claims, takes no new values and can then be deleted' }),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Attribute' });

export const createAttributeSchema = z.strictObject({
  name: attributeNameSchema,
  type: z.enum(ATTRIBUTE_TYPES),
  label: labelSchema.optional(),
  description: descriptionSchema.optional(),
  required: z.boolean().optional(),
  rule: ruleSchema.optional(),
  editable_by: editableBySchema.optional(),
  show_at_signup: z.boolean().optional(),
});

export const updateAttributeSchema = z
  .strictObject({
    label: labelSchema.optional(),
    description: descriptionSchema.optional(),
    required: z.boolean().optional(),
    rule: ruleSchema.optional().meta({ description: 'Replaces the rule; applies to values written from now on' }),
    editable_by: editableBySchema.optional(),
    show_at_signup: z.boolean().optional(),
    status: z.enum(['active', 'deprecated']).optional(),
  })
  .refine((value) => Object.keys(value).length > 0, 'name at least one field to change');

export const claimScopeSchema = z
  .object({
    name: z.string(),
    description: z.string().nullable().meta({ description: 'Shown on the consent page' }),
    claims: z.array(z.string()).meta({ description: 'Attributes released as claims under this scope' }),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'ClaimScope' });

const claimsSchema = z.array(attributeNameSchema).max(100);
export const createClaimScopeSchema = z.strictObject({ name: scopeNameSchema, description: descriptionSchema.optional(), claims: claimsSchema });
export const updateClaimScopeSchema = z
  .strictObject({ description: descriptionSchema.optional(), claims: claimsSchema.optional() })
  .refine((value) => Object.keys(value).length > 0, 'name at least one field to change');

const valueSchema = z.union([z.string().max(10_000), z.number(), z.boolean(), z.array(z.string().max(10_000)).max(1000)]);
/** Attribute values by name; in a change, null removes a value. */
export const attributeValuesInput = z.record(z.string().max(64), valueSchema.nullable()).meta({ description: 'Attribute name → value (null removes it)' });
export const accountAttributesSchema = z
  .object({ attributes: z.record(z.string(), valueSchema) })
  .meta({ id: 'AccountAttributes' });
export const updateAccountAttributesSchema = z.strictObject({ attributes: attributeValuesInput });

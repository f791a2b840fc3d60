import { z } from 'zod';
import { nameSchema } from '../rbac/schemas.js';

const timestamp = z.iso.datetime().meta({ description: 'RFC 3339 time' });

export const directorySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    client_id: z.string().nullable().meta({ description: 'The OAuth client that may provision as this directory with a client-credentials token' }),
    send_invitations: z.boolean().meta({ description: 'Mail each new active user a link to set a password' }),
    users: z.number().int().optional(),
    groups: z.number().int().optional(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'ScimDirectory' });

export const createDirectorySchema = z.strictObject({
  name: nameSchema,
  client_id: z.string().min(1).max(200).nullable().optional(),
  send_invitations: z.boolean().optional(),
});

export const updateDirectorySchema = createDirectorySchema.partial().refine((value) => Object.keys(value).length > 0, 'name at least one field to change');

export const provisioningTokenSchema = z
  .object({
    id: z.uuid(),
    label: z.string().nullable(),
    created_at: timestamp,
    expires_at: timestamp.nullable(),
    last_used_at: timestamp.nullable(),
    revoked_at: timestamp.nullable(),
  })
  .meta({ id: 'ScimToken' });

export const issuedTokenSchema = provisioningTokenSchema
  .extend({ token: z.string().meta({ description: 'The bearer token; shown once, never again' }) })
  .meta({ id: 'ScimIssuedToken' });

export const createTokenSchema = z.strictObject({
  label: z.string().min(1).max(200).optional(),
  expires_at: z.iso.datetime().optional().meta({ description: 'When the token stops working; never when left out' }),
});

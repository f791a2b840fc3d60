import { z } from 'zod';
import 'zod-openapi';
import { objectRefSchema, objectTypeSchema } from './schemas.js';

/** Requests and answers of POST /api/authz/check, validated here and rendered into its OpenAPI document. */

export const MAX_BATCH = 100;

const subjectSchema = z
  .string()
  .max(300)
  .regex(/^(account|client):\S+$/, 'account:<account id> or client:<client id>')
  .meta({ description: 'Who is asking: `account:<sub>` for a person, `client:<client_id>` for a machine client.' });
const permissionSchema = z.string().min(1).max(128);
const resourceSchema = z.string().min(1).max(500).optional().meta({ description: 'Limit the permission to one API resource (its identifier).' });

export const singleCheckSchema = z
  .strictObject({ subject: subjectSchema, permission: permissionSchema, object: objectRefSchema.optional(), resource: resourceSchema })
  .meta({ id: 'Check', description: 'May the subject do this (on this object)?' });
export const batchCheckSchema = z
  .strictObject({ checks: z.array(singleCheckSchema).min(1).max(MAX_BATCH) })
  .meta({ id: 'CheckBatch', description: `Up to ${MAX_BATCH} checks at once` });
export const listCheckSchema = z
  .strictObject({ subject: subjectSchema, permission: permissionSchema, object_type: objectTypeSchema, resource: resourceSchema })
  .meta({ id: 'CheckList', description: 'Which objects of a type may the subject do this on?' });

export const checkAnswerSchema = z
  .strictObject({
    allowed: z.boolean(),
    reason: z.enum(['role', 'object_grant', 'no_permission', 'subject_not_active']),
    role: z.string().optional().meta({ description: 'The role that allowed it (reason `role`).' }),
    group: z.string().optional().meta({ description: 'The group through which the role or object grant is held, when not held directly.' }),
  })
  .meta({ id: 'CheckAnswer' });
export const batchAnswerSchema = z
  .strictObject({ results: z.array(checkAnswerSchema).meta({ description: 'One answer per check, in order.' }) })
  .meta({ id: 'CheckBatchAnswer' });
export const listAnswerSchema = z
  .strictObject({
    subject: z.string(),
    permission: z.string(),
    object_type: z.string(),
    all: z.boolean().meta({ description: 'A role gives the permission on every object of the type.' }),
    objects: z.array(z.string()).meta({ description: 'Objects (`type:id`) granted one by one.' }),
  })
  .meta({ id: 'CheckListAnswer' });

import { z } from 'zod';
import 'zod-openapi';

/** RFC 9457 problem details as the APIs answer them (problem.ts), for their OpenAPI documents. */
export const problemSchema = z
  .object({
    type: z.string().meta({ description: 'Stable URN naming the error, e.g. urn:idp:error:validation-failed' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    field: z.string().optional().meta({ description: 'The request field at fault (400)' }),
    request_id: z.string().optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

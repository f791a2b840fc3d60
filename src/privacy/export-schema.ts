import { z } from 'zod';
import 'zod-openapi';
import { storedEventSchema } from '../audit/event-schema.js';

/** The account export (src/privacy/account-export.ts) for the OpenAPI document. */
export const accountExportSchema = z
  .object({
    format: z.literal('idp-account-export/1'),
    exported_at: z.string(),
    account: z.record(z.string(), z.unknown()).meta({ description: 'The profile; never the password hash (has_password says whether there is one)' }),
    attributes: z.record(z.string(), z.unknown()),
    second_factors: z.object({ totp: z.boolean(), recovery_codes_remaining: z.number() }).meta({ description: 'Kinds and counts; never a seed or a code' }),
    linked_identities: z.array(z.record(z.string(), z.unknown())),
    sessions: z.array(z.record(z.string(), z.unknown())).nullable().meta({ description: 'Live browser sessions with their device; null when exported without the server (stand-alone CLI)' }),
    applications: z.array(z.record(z.string(), z.unknown())).nullable().meta({ description: 'Applications with their granted scopes; null as for sessions' }),
    events: z.array(storedEventSchema).meta({ description: "The account's own audit events, oldest first, personal values decrypted" }),
  })
  .meta({ id: 'AccountExport', description: 'Everything held about one account (docs/privacy.md)' });

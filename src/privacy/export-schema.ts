import { z } from 'zod';
import 'zod-openapi';
import { storedEventSchema } from '../audit/event-schema.js';

/** The account export (src/privacy/account-export.ts) for the OpenAPI document. */
export const accountExportSchema = z
  .object({
    format: z.literal('idp-account-export/1'),
    exported_at: z.string(),
    account: z.record(z.string(), z.unknown()).meta({ description: 'The profile; never the password hash (has_password says whether there is one)' }),
    pending_deletion: z.object({ requested_at: z.string(), erase_after: z.string() }).nullable().meta({ description: 'A self-service deletion waiting for its grace period (ACCOUNT_DELETION_GRACE_DAYS); null when none' }),
    attributes: z.record(z.string(), z.unknown()),
    email_history: z.array(z.object({ address: z.string(), since: z.string(), until: z.string().nullable() })).meta({ description: 'Addresses the account has had, oldest first; the current one has until null' }),
    second_factors: z
      .object({
        totp: z.boolean(),
        recovery_codes_remaining: z.number(),
        factors: z.array(z.object({
          kind: z.enum(['totp', 'recovery_codes', 'passkey']), name: z.string(), created_at: z.string(), remaining: z.number().optional(),
          authenticator: z.string().optional(), synced: z.boolean().optional(), last_used_at: z.string().nullable().optional(),
        })),
      })
      .meta({ description: 'Kinds, names, dates and counts (passkeys with their authenticator); never a seed, a code or a key' }),
    linked_identities: z.array(z.record(z.string(), z.unknown())),
    sessions: z.array(z.record(z.string(), z.unknown())).nullable().meta({ description: 'Live browser sessions with their device; null when exported without the server (stand-alone CLI)' }),
    applications: z.array(z.record(z.string(), z.unknown())).nullable().meta({ description: 'Applications with their granted scopes; null as for sessions' }),
    events: z.array(storedEventSchema).meta({ description: "The account's own audit events, oldest first, personal values decrypted" }),
  })
  .meta({ id: 'AccountExport', description: 'Everything held about one account (docs/privacy.md)' });

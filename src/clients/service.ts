import { z } from 'zod';
import { AppError, notFound } from '../errors/app-error.js';
import { sha256 } from '../shared/digest.js';
import { newClientId, newSecretToken } from '../shared/ids.js';
import { buildClientMetadata, CLIENT_TYPE_PROFILES, type ClientRegistration } from './metadata.js';
import type { ClientQueries, ClientRow } from './queries.js';

const redirectUri = z.url({ protocol: /^[a-z][a-z0-9+.-]*$/ }).refine((value) => !value.includes('#'), 'must not contain a fragment');
const registrationSchema = z.object({
  name: z.string().trim().min(1).max(120),
  type: z.enum(['web', 'spa', 'native', 'machine']),
  redirectUris: z.array(redirectUri).max(20).default([]),
  postLogoutRedirectUris: z.array(redirectUri).max(20).default([]),
  scope: z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/, 'space-separated scope tokens').optional(),
  firstParty: z.boolean().default(false),
  requireVerifiedEmail: z.boolean().default(false),
});

export interface CreatedClient {
  client: ClientRow;
  /** The only time the secret exists in clear: it is stored as a hash. */
  clientSecret?: string;
}

export function createClientService(deps: { queries: ClientQueries }) {
  const { queries } = deps;
  return {
    async createClient(input: ClientRegistration & { firstParty?: boolean }): Promise<CreatedClient> {
      const parsed = registrationSchema.safeParse(input);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new AppError('INVALID_CLIENT_METADATA', 400, `${issue.path.join('.')}: ${issue.message}`, {
          details: { field: issue.path.join('.') },
        });
      }
      const registration = parsed.data;
      const profile = CLIENT_TYPE_PROFILES[registration.type];
      if (profile.needsRedirectUri && registration.redirectUris.length === 0) {
        throw new AppError('INVALID_CLIENT_METADATA', 400, `a ${registration.type} client needs at least one redirect URI`, {
          details: { field: 'redirectUris' },
        });
      }
      if (!profile.needsRedirectUri && registration.redirectUris.length > 0) {
        throw new AppError('INVALID_CLIENT_METADATA', 400, 'a machine client has no redirect URIs', { details: { field: 'redirectUris' } });
      }
      const clientSecret = profile.confidential ? newSecretToken() : undefined;
      const client = await queries.insertClient({
        client_id: newClientId(),
        name: registration.name,
        type: registration.type,
        secret_hash: clientSecret ? sha256(clientSecret) : null,
        first_party: registration.firstParty,
        metadata: buildClientMetadata(registration),
      });
      return { client, clientSecret };
    },
    findClient: (clientId: string) => queries.findClientById(clientId),
    listClients: () => queries.listClients(),
    async deleteClient(clientId: string): Promise<void> {
      const deleted = await queries.deleteClient(clientId);
      if (!deleted) throw notFound('no client with this id');
    },
  };
}

export type ClientService = ReturnType<typeof createClientService>;

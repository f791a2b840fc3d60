import type { Adapter } from 'oidc-provider';
import type { ClientService } from '../../clients/service.js';

/**
 * Serves the `Client` model from the clients table. The secret is handed over as its SHA-256 hash;
 * `client-secret.ts` teaches oidc-provider to hash what the client presents before comparing.
 */
export function createClientAdapter(clients: ClientService): Adapter {
  const readOnly = async () => {
    throw new Error('clients are managed with the CLI or the admin API');
  };
  return {
    async find(clientId) {
      const row = await clients.findClient(clientId);
      if (!row) return undefined;
      return {
        ...row.metadata,
        client_id: row.client_id,
        ...(row.secret_hash ? { client_secret: row.secret_hash } : {}),
      };
    },
    upsert: readOnly,
    findByUid: async () => undefined,
    findByUserCode: async () => undefined,
    consume: readOnly,
    destroy: readOnly,
    revokeByGrantId: async () => undefined,
  };
}

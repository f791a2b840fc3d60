import type { ClientQueries } from './queries.js';

export interface BuiltInClient {
  client_id: string;
  first_party: boolean;
  require_mfa: boolean;
  system_api_delegation: boolean;
  metadata: { client_name: string } & Record<string, unknown>;
}

/**
 * Registers one of the server's own public clients, or brings it up to date (ISSUER or the product
 * name changed) on every start. Every instance runs this at once; the loser of a race keeps the winner's.
 */
export async function ensureBuiltInClient(queries: ClientQueries, client: BuiltInClient): Promise<string> {
  const { metadata } = client;
  const existing = await queries.findClientById(client.client_id);
  // No built-in client requires a passkey itself; an operator's requirement survives a rewrite.
  const row = { ...client, name: metadata.client_name, type: 'spa' as const, secret_hash: null, require_phishing_resistant: existing?.require_phishing_resistant ?? false };
  // jsonb does not keep key order, so the comparison sorts the keys.
  const stable = (value: object) => JSON.stringify(value, Object.keys(value).sort());
  const unchanged = existing && existing.name === row.name && stable(existing.metadata) === stable(metadata)
    // A requirement the client is built with is restored; one an operator added to it is kept.
    && existing.first_party && (!row.require_mfa || existing.require_mfa) && (!row.system_api_delegation || existing.system_api_delegation);
  if (unchanged) return client.client_id;
  if (existing) await queries.deleteClient(client.client_id);
  try {
    await queries.insertClient(row);
  } catch (error) {
    // Another instance registered it at the same moment.
    if ((error as { code?: string }).code !== '23505') throw error;
  }
  return client.client_id;
}

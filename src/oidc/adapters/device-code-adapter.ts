import type { SecretBox } from '../../shared/secret-box.js';
import type { Adapter, AdapterPayload } from './types.js';

/**
 * How long a device code stays in the store after it expired. oidc-provider answers a poll with
 * RFC 8628's `expired_token` only when it still finds the code (it checks `exp` itself, and refuses
 * every other use of an expired code); a store that dropped the code at `exp` would turn that answer
 * into `invalid_grant` "device code not found", and the device could not tell the person why.
 */
export const DEVICE_CODE_RETENTION_SECONDS = 600;

/**
 * The DeviceCode model's adapter, around the store's:
 *
 * - Records stay DEVICE_CODE_RETENTION_SECONDS past their expiry (above).
 * - The device code itself (`jti`) is kept sealed in the record. Stores file records under a hash of
 *   the id and drop `jti` (stored-id.ts), so a record found by its user code would come back without
 *   it; but oidc-provider saves that record back (the person's confirmation, cancellation, approval)
 *   and names it in the interaction, which a record without its id would turn into a new, orphaned
 *   record. Sealed with a key derived from SERVER_SECRET, the copy gives a reader of the store no
 *   usable device code.
 */
export function createDeviceCodeAdapter(adapter: Adapter, box: SecretBox): Adapter {
  const unsealed = (payload: AdapterPayload | undefined | void): AdapterPayload | undefined => {
    if (!payload) return undefined;
    const { sealedJti, ...rest } = payload as AdapterPayload & { sealedJti?: string };
    if (rest.jti || !sealedJti) return rest;
    return { ...rest, jti: box.open(sealedJti) };
  };
  return Object.assign(Object.create(adapter) as Adapter, {
    upsert: (id: string, payload: AdapterPayload, expiresIn: number) =>
      adapter.upsert(id, { ...payload, sealedJti: box.seal(id) } as AdapterPayload, expiresIn ? Math.max(1, expiresIn + DEVICE_CODE_RETENTION_SECONDS) : expiresIn),
    find: async (id: string) => unsealed(await adapter.find(id)),
    findByUserCode: async (userCode: string) => unsealed(await adapter.findByUserCode(userCode)),
  });
}

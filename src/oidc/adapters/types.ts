import type { Adapter, AdapterPayload } from 'oidc-provider';

export type { Adapter, AdapterPayload };

/** Builds the adapter for one oidc-provider model name, e.g. `AccessToken` or `Grant`. */
export type AdapterFactory = (modelName: string) => Adapter;

/**
 * Beside oidc-provider's contract: writes a record only when none is live under that id, in one
 * atomic step, and says whether it did. ReplayDetection uses it (replay-detection.ts).
 */
export interface InsertIfAbsent {
  insertIfAbsent(id: string, payload: AdapterPayload, expiresIn: number): Promise<boolean>;
}

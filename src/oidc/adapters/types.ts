import type { Adapter, AdapterPayload } from 'oidc-provider';

export type { Adapter, AdapterPayload };

/** Builds the adapter for one oidc-provider model name, e.g. `AccessToken` or `Grant`. */
export type AdapterFactory = (modelName: string) => Adapter;

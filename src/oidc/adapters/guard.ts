import { errors, type Adapter } from 'oidc-provider';
import { isStorageOutage } from '../../errors/storage-outage.js';

/**
 * oidc-provider's answer when a store is down: 503 `temporarily_unavailable` (RFC 6749 §4.1.2.1,
 * §5.2). Exposed, so the caller sees the code instead of `server_error`; never redirected, so the
 * browser shows a "try again" page it can reload instead of bouncing back to the application.
 */
export class StoreUnavailable extends errors.OIDCProviderError {
  override allow_redirect = false;
  override error_description = 'a storage dependency is temporarily unavailable; retry shortly';

  constructor(cause: unknown) {
    super(503, 'temporarily_unavailable', { cause, detail: 'storage unavailable' });
    this.expose = true;
  }
}

type AdapterMethod = keyof Adapter | 'insertIfAbsent';
const METHODS: AdapterMethod[] = ['upsert', 'find', 'findByUid', 'findByUserCode', 'consume', 'destroy', 'revokeByGrantId', 'insertIfAbsent'];

/**
 * Wraps every adapter method so that a store outage surfaces as StoreUnavailable (503) instead of
 * oidc-provider's generic 500; every other error, such as a consumed code's InvalidGrant, passes as is.
 * `onOutage` lets metrics count the failure.
 */
export function guardAdapter<T extends Adapter>(adapter: T, onOutage?: (error: unknown) => void): T {
  const guarded = {} as Record<AdapterMethod, (...args: unknown[]) => Promise<unknown>>;
  for (const method of METHODS) {
    const original = (adapter as unknown as Record<AdapterMethod, unknown>)[method] as ((...args: unknown[]) => Promise<unknown>) | undefined;
    if (!original) continue;
    guarded[method] = async (...args) => {
      try {
        return await original.apply(adapter, args);
      } catch (error) {
        if (!isStorageOutage(error)) throw error;
        onOutage?.(error);
        throw new StoreUnavailable(error);
      }
    };
  }
  return guarded as unknown as T;
}

/** How long an index row may keep an older expiry or last-seen time than its session has. */
export const UNCHANGED_WRITE_WINDOW_MS = 60_000;
const MAX_KEYS = 50_000;

/**
 * oidc-provider saves a session on every authorization, silent ones included, even when nothing an
 * index keeps has changed. This remembers what each key was last written with and lets the index skip
 * writing the same facts again within UNCHANGED_WRITE_WINDOW_MS, which saves the SQL write on every
 * prompt=none round. A skipped write only leaves the row's last-seen time up to the window behind (the
 * stored expiry is the end of the expiry's minute, see endOfExpiryMinute); anything else that changes is
 * written at once. `forget` is per process: a row another instance deleted may stay unwritten here for
 * up to the window, and only while its session is saved with the same facts.
 */
export function createUnchangedWrites(now: () => number) {
  const written = new Map<string, { facts: string; at: number }>();
  return {
    /** Runs `write` unless the same facts were written for `key` within the window. */
    async write(key: string, facts: unknown[], write: () => Promise<unknown>): Promise<void> {
      const fingerprint = JSON.stringify(facts);
      const last = written.get(key);
      if (last && last.facts === fingerprint && now() - last.at < UNCHANGED_WRITE_WINDOW_MS) return;
      written.delete(key);
      await write();
      if (written.size >= MAX_KEYS) written.clear();
      written.set(key, { facts: fingerprint, at: now() });
    },
    forget(key: string): void {
      written.delete(key);
    },
  };
}

/** An expiry to the minute: a rolling session's expiry moves on every save, which alone is not worth a write. */
export const expiryMinute = (epochSeconds?: number) => (epochSeconds ? Math.floor(epochSeconds / 60) : null);

/**
 * The expiry an index row stores: the end of the session's expiry minute, so that a row whose write
 * was skipped never expires (and drops out of listings and revocations) before its session does.
 */
export const endOfExpiryMinute = (epochSeconds?: number) => (epochSeconds ? (Math.floor(epochSeconds / 60) + 1) * 60 : undefined);

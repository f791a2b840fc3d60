import { createHmac, hkdfSync } from 'node:crypto';
import type { EffectiveSetting } from '../config/settings.js';
import type { Clock } from '../shared/clock.js';
import type { FieldChanges } from './changes.js';
import type { ConfigSnapshot, ConfigStateQueries, StoredConfigState } from './config-state-queries.js';
import type { AuditRecorder } from './recorder.js';

const ACTOR = { type: 'system' as const, id: 'startup' };
const ATTEMPTS = 3;
/** Below the recorder's 8 KiB cap on a detail, which would otherwise replace it with `{ truncated: true }`. */
const MAX_DETAIL_BYTES = 7 * 1024;

/** A detail with values when it fits; otherwise the names alone, which always fit the few dozen settings. */
function fitting(detail: Record<string, unknown>, names: Record<string, unknown>): Record<string, unknown> {
  return Buffer.byteLength(JSON.stringify(detail), 'utf8') <= MAX_DETAIL_BYTES ? detail : { ...names, valuesOmitted: true };
}

/**
 * Secrets are compared by HMAC under a key derived from SERVER_SECRET, so the database never holds
 * anything that would let a reader test guesses of a password. The snapshot names the secret entry that
 * keyed it (`keyId`, itself an HMAC under that entry), so after a rotation the older entry, still
 * configured, is found and the comparison goes on.
 */
function fingerprintKey(serverSecret: string): { key: Buffer; keyId: string } {
  const key = Buffer.from(hkdfSync('sha256', serverSecret, 'idp-config', 'setting-fingerprints', 32));
  return { key, keyId: createHmac('sha256', key).update('key-id').digest('hex').slice(0, 32) };
}

const fingerprint = (key: Buffer, name: string, secret: string) => createHmac('sha256', key).update(`${name}\0${secret}`).digest('hex');

function snapshotOf(settings: Record<string, EffectiveSetting>, serverSecret: string): ConfigSnapshot {
  const { key, keyId } = fingerprintKey(serverSecret);
  const fingerprints: Record<string, string> = {};
  for (const [name, setting] of Object.entries(settings)) if (setting.secret !== undefined) fingerprints[name] = fingerprint(key, name, setting.secret);
  return { settings: Object.fromEntries(Object.entries(settings).map(([name, setting]) => [name, setting.shown])), fingerprints, keyId };
}

export interface ConfigComparison {
  changes: FieldChanges;
  /** Secret settings whose fingerprints could not be compared: SERVER_SECRET was replaced entirely. */
  notCompared: string[];
}

/** What differs between the stored snapshot and this start's settings; secrets show only `[masked]`. */
export function compareSettings(previous: ConfigSnapshot, settings: Record<string, EffectiveSetting>, serverSecrets: readonly string[]): ConfigComparison {
  const matching = serverSecrets.map(fingerprintKey).find((candidate) => candidate.keyId === previous.keyId);
  const changes: FieldChanges = {};
  const notCompared: string[] = [];
  for (const name of [...new Set([...Object.keys(previous.settings), ...Object.keys(settings)])].sort()) {
    const before = previous.settings[name] ?? null;
    const after = settings[name]?.shown ?? null;
    const secretBefore = previous.fingerprints[name];
    const secretAfter = settings[name]?.secret;
    let changed = JSON.stringify(before) !== JSON.stringify(after);
    if (!changed && (secretBefore !== undefined || secretAfter !== undefined)) {
      if (matching) changed = secretBefore !== (secretAfter === undefined ? undefined : fingerprint(matching.key, name, secretAfter));
      // The secret that keyed the old fingerprints is gone from SERVER_SECRET: that much has changed.
      else if (name === 'SERVER_SECRET') changed = true;
      else notCompared.push(name);
    }
    if (changed) changes[name] = { before, after };
  }
  return { changes, notCompared };
}

export type ConfigAuditResult =
  | { type: 'config.loaded' }
  | { type: 'config.changed'; changed: string[]; notCompared: string[] }
  | undefined;

/**
 * At start-up: records `config.loaded` with every setting (secrets masked) the first time, then
 * `config.changed` with each setting that differs from the previous start, before and after. The
 * snapshot is replaced by compare-and-set before the event is written, so of several instances that
 * start together with the same new settings one records the change; if the event cannot be written
 * the snapshot is put back, so the next start records the change instead of losing it.
 */
export async function recordConfigChanges(
  deps: { queries: ConfigStateQueries; audit: Pick<AuditRecorder, 'record'>; clock: Clock; serverSecrets: readonly string[] },
  settings: Record<string, EffectiveSetting>,
): Promise<ConfigAuditResult> {
  const { queries, clock } = deps;
  const snapshot = snapshotOf(settings, deps.serverSecrets[0]);
  for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
    const previous = await queries.findConfigState();
    if (!previous) {
      if (!(await queries.insertConfigState(snapshot, clock.now()))) continue;
      const detail = fitting({ settings: snapshot.settings }, { names: Object.keys(snapshot.settings) });
      await recordOrRestore(deps, previous, '1', { type: 'config.loaded', actor: ACTOR, detail });
      return { type: 'config.loaded' };
    }
    const { changes, notCompared } = compareSettings(previous.snapshot, settings, deps.serverSecrets);
    const changed = Object.keys(changes);
    if (changed.length === 0 && notCompared.length === 0) return undefined;
    if (!(await queries.replaceConfigState(snapshot, previous.version, clock.now()))) continue;
    const compared = notCompared.length ? { notCompared } : {};
    const detail = fitting({ changes, ...compared }, { changed, ...compared });
    await recordOrRestore(deps, previous, (BigInt(previous.version) + 1n).toString(), { type: 'config.changed', actor: ACTOR, detail });
    return { type: 'config.changed', changed, notCompared };
  }
  // Others kept changing it under us: they recorded what changed.
  return undefined;
}

async function recordOrRestore(
  deps: { queries: ConfigStateQueries; audit: Pick<AuditRecorder, 'record'>; clock: Clock },
  previous: StoredConfigState | undefined,
  storedVersion: string,
  event: Parameters<AuditRecorder['record']>[0],
): Promise<void> {
  try {
    await deps.audit.record(event);
  } catch (error) {
    await deps.queries.restoreConfigState(previous, storedVersion, deps.clock.now()).catch(() => undefined);
    throw error;
  }
}

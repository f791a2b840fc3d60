import type { Clock } from '../shared/clock.js';
import { chainFields, CheckpointSigner, GENESIS_HASH, rowHash, type CheckpointFields } from './chain.js';
import type { CheckpointRow, EventQueries } from './queries.js';

export interface VerifyReport {
  ok: boolean;
  /** Rows whose hash was checked. */
  checked: number;
  /** Rows written before the chain existed (no hash): present but not covered. */
  unchained: number;
  head?: { id: string; hash: string };
  checkpoints: { prune: number; seal: number };
  /** The first broken link. */
  broken?: { eventId?: string; checkpointId?: string; reason: string };
}

const PAGE = 2000;

/**
 * Verifies, prunes and seals the chain. Checkpoints are signed with a key derived from SERVER_SECRET:
 * a prune checkpoint says where the remaining chain continues from; a seal records the head at a
 * moment, so someone who edits a row and recomputes every later hash still breaks every later seal.
 */
export function createEventIntegrity(deps: { queries: EventQueries; clock: Clock; serverSecrets: readonly string[] }) {
  const { queries, clock } = deps;
  const signer = new CheckpointSigner(deps.serverSecrets);
  const sign = (fields: CheckpointFields) => signer.sign(fields);

  async function verify(): Promise<VerifyReport> {
    const checkpoints = await queries.listCheckpoints();
    const report: VerifyReport = {
      ok: true,
      checked: 0,
      unchained: 0,
      checkpoints: { prune: checkpoints.filter((c) => c.kind === 'prune').length, seal: checkpoints.filter((c) => c.kind === 'seal').length },
    };
    const fail = (broken: VerifyReport['broken']) => ({ ...report, ok: false, broken });

    const forged = checkpoints.find((checkpoint) => !signer.verify(fieldsOf(checkpoint), checkpoint.signature));
    if (forged) return fail({ checkpointId: forged.id, reason: 'checkpoint signature does not match (forged, edited, or signed with an unknown SERVER_SECRET)' });
    const prunes = checkpoints.filter((c) => c.kind === 'prune').sort((a, b) => compareIds(a.through_id, b.through_id));
    const seals = new Map(checkpoints.filter((c) => c.kind === 'seal').map((c) => [c.through_id, c.through_hash]));

    let expectedPrevious = GENESIS_HASH;
    let expectedId: bigint | undefined;
    let chainStarted = false;
    let afterId = '0';
    let first = true;
    let lastId: string | undefined;
    for (;;) {
      const rows = await queries.readChain(afterId, PAGE);
      for (const row of rows) {
        if (first) {
          first = false;
          const start = prunes.filter((p) => compareIds(p.through_id, row.id) < 0).at(-1);
          if (start) {
            expectedPrevious = start.through_hash;
            expectedId = BigInt(start.through_id) + 1n;
            chainStarted = start.through_hash !== GENESIS_HASH;
          }
        }
        lastId = row.id;
        if (row.hash === null) {
          if (chainStarted) return fail({ eventId: row.id, reason: 'event has no hash although the chain had begun (inserted around the application)' });
          report.unchained += 1;
          continue;
        }
        if (expectedId !== undefined && BigInt(row.id) !== expectedId) {
          return fail({ eventId: row.id, reason: `events ${expectedId} to ${BigInt(row.id) - 1n} are missing (deleted without a prune checkpoint)` });
        }
        if (rowHash(expectedPrevious, chainFields(row)) !== row.hash) {
          return fail({ eventId: row.id, reason: 'hash does not match the event and the link before it: this event was edited, or events before it removed' });
        }
        const sealed = seals.get(row.id);
        if (sealed !== undefined && sealed !== row.hash) {
          return fail({ eventId: row.id, reason: 'hash differs from the signed seal of this event: the chain was rewritten from here or earlier' });
        }
        expectedPrevious = row.hash;
        expectedId = BigInt(row.id) + 1n;
        chainStarted = true;
        report.checked += 1;
      }
      if (rows.length < PAGE) break;
      afterId = rows.at(-1)!.id;
    }
    // A seal past the last event, not covered by a prune checkpoint, means events were cut off the end.
    const lastPrune = prunes.at(-1);
    const covered = (id: string) => (lastId !== undefined && compareIds(id, lastId) <= 0) || (lastPrune !== undefined && compareIds(id, lastPrune.through_id) <= 0);
    const cutOff = [...seals.keys()].filter((id) => !covered(id)).sort(compareIds)[0];
    if (cutOff !== undefined) return fail({ eventId: cutOff, reason: 'a sealed event is missing: events were removed from the end of the log' });
    if (lastId !== undefined) report.head = { id: lastId, hash: expectedPrevious };
    else if (lastPrune) report.head = { id: lastPrune.through_id, hash: lastPrune.through_hash };
    return report;
  }

  return {
    verify,

    /** Removes events older than `before`, leaving a signed prune checkpoint; undefined when none qualify. */
    prune: (before: Date) => queries.pruneBefore(before, clock.now(), sign),

    /** Signs the current head, so later rewriting of anything up to it is detected. */
    seal: () => queries.sealHead(clock.now(), sign),
  };
}

function fieldsOf(checkpoint: CheckpointRow): CheckpointFields {
  return {
    kind: checkpoint.kind,
    throughId: checkpoint.through_id,
    throughHash: checkpoint.through_hash,
    eventsRemoved: checkpoint.events_removed,
    createdAt: checkpoint.created_at,
  };
}

function compareIds(a: string, b: string): number {
  const difference = BigInt(a) - BigInt(b);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}

export type EventIntegrity = ReturnType<typeof createEventIntegrity>;

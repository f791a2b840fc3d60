import { describe, expect, it } from '@jest/globals';
import { canonicalJson, CheckpointSigner, GENESIS_HASH, rowHash, timestampText, type ChainFields } from '../../../src/audit/chain.js';

const row: ChainFields = {
  id: '1',
  occurredAt: '2026-11-27T10:00:00.123000Z',
  type: 'login.succeeded',
  outcome: 'success',
  actorType: 'account',
  actorId: 'a1',
  accountId: 'a1',
  clientId: 'c1',
  ip: '127.0.0.1',
  userAgent: 'agent',
  requestId: 'r1',
  detail: { amr: ['pwd'] },
};

describe('canonical JSON', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1], c: null } })).toBe('{"a":{"c":null,"d":[3,1]},"b":1}');
  });

  it('gives the same bytes for the same value however it was built', () => {
    const one = { x: 'é\n"', y: [true, 0.1] };
    const two = JSON.parse(JSON.stringify({ y: [true, 0.1], x: 'é\n"' }));
    expect(canonicalJson(one)).toBe(canonicalJson(two));
  });

  it('refuses what JSON cannot hold', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
    expect(() => canonicalJson([undefined])).toThrow(TypeError);
    expect(() => canonicalJson(10n)).toThrow(TypeError);
  });
});

describe('row hash', () => {
  it('is a SHA-256 hex digest that depends on the previous link', () => {
    const first = rowHash(GENESIS_HASH, row);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(rowHash(first, { ...row, id: '2' })).not.toBe(rowHash(GENESIS_HASH, { ...row, id: '2' }));
  });

  it('changes when any field changes', () => {
    const base = rowHash(GENESIS_HASH, row);
    const variants: Partial<ChainFields>[] = [
      { id: '2' }, { occurredAt: '2026-11-27T10:00:00.123001Z' }, { type: 'login.failed' }, { outcome: 'failure' },
      { actorType: 'client' }, { actorId: null }, { accountId: 'a2' }, { clientId: null }, { ip: '10.0.0.1' },
      { userAgent: 'agent ' }, { requestId: 'r2' }, { detail: { amr: ['pwd', 'otp'] } },
    ];
    for (const variant of variants) expect(rowHash(GENESIS_HASH, { ...row, ...variant })).not.toBe(base);
  });

  it('renders a millisecond Date as the database does, with microseconds', () => {
    expect(timestampText(new Date('2026-11-27T10:00:00.120Z'))).toBe('2026-11-27T10:00:00.120000Z');
  });
});

describe('checkpoint signatures', () => {
  const fields = { kind: 'prune' as const, throughId: '10', throughHash: 'a'.repeat(64), eventsRemoved: '10', createdAt: '2026-11-27T10:00:00.000000Z' };
  const secret = 'first-secret-that-is-long-enough-0123456789';

  it('verifies what it signed, and nothing else', () => {
    const signer = new CheckpointSigner([secret]);
    const signature = signer.sign(fields);
    expect(signer.verify(fields, signature)).toBe(true);
    expect(signer.verify({ ...fields, throughId: '11' }, signature)).toBe(false);
    expect(signer.verify(fields, `${signature}x`)).toBe(false);
    expect(new CheckpointSigner(['another-secret-that-is-long-enough-012345']).verify(fields, signature)).toBe(false);
  });

  it('still verifies checkpoints signed before SERVER_SECRET was rotated', () => {
    const signature = new CheckpointSigner([secret]).sign(fields);
    const rotated = new CheckpointSigner(['the-new-secret-that-is-long-enough-0123456', secret]);
    expect(rotated.verify(fields, signature)).toBe(true);
    expect(rotated.sign(fields)).not.toBe(signature);
  });
});

import { describe, expect, it } from '@jest/globals';
import { canonicalJson } from '../../../src/audit/chain.js';
import { cleanDetail, cleanText, escapeForDisplay, toNdjsonLine } from '../../../src/audit/sanitize.js';

const FORGED = 'Mallory\n{"level":30,"msg":"login.succeeded","account":"admin"}\r\u2028\u001b[2J';

describe('values stored in events', () => {
  it('keeps user text as given, except what PostgreSQL cannot store', () => {
    expect(cleanText(FORGED)).toBe(FORGED);
    expect(cleanText('a\u0000b')).toBe('a\uFFFDb');
    expect(cleanText('x\uD800y')).toBe('x\uFFFDy');
    expect(cleanText('\uDC00')).toBe('\uFFFD');
    expect(cleanText('😀')).toBe('😀');
    expect(cleanText(undefined)).toBeNull();
  });

  it('caps lengths without splitting a character', () => {
    expect(cleanText('a'.repeat(600))).toHaveLength(512);
    expect(cleanText(`${'a'.repeat(3)}😀`, 4)).toBe('aaa');
  });

  it('turns detail into plain JSON that survives jsonb unchanged', () => {
    const detail = cleanDetail({ when: new Date('2026-11-27T10:00:00.000Z'), big: 10n, gone: undefined, name: 'n\u0000', nested: { deep: [1, 'x'] } });
    expect(detail).toEqual({ when: '2026-11-27T10:00:00.000Z', big: '10', name: 'n\uFFFD', nested: { deep: [1, 'x'] } });
    expect(canonicalJson(JSON.parse(JSON.stringify(detail)))).toBe(canonicalJson(detail));
  });

  it('replaces an oversized or cyclic detail instead of storing it', () => {
    expect(cleanDetail({ blob: Array.from({ length: 50 }, () => 'x'.repeat(1000)) })).toEqual({ truncated: true });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => cleanDetail(cyclic)).toThrow(TypeError);
  });
});

describe('values shown to people', () => {
  it('escapes line breaks, terminal controls and bidirectional overrides on one line', () => {
    const shown = escapeForDisplay(`${FORGED}\u202e`);
    expect(shown).not.toMatch(/[\n\r\u2028\u001b\u202e]/);
    expect(shown).toContain('\\u000a{"level":30');
    expect(shown).toContain('\\u202e');
  });

  it('writes an NDJSON line that cannot be split into two, and reads back the same value', () => {
    const line = toNdjsonLine({ name: FORGED });
    expect(line.endsWith('\n')).toBe(true);
    const body = line.slice(0, -1);
    expect(body).not.toMatch(/[\n\r\u2028\u2029]/);
    expect(JSON.parse(body)).toEqual({ name: FORGED });
  });
});

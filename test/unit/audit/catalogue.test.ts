import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { EVENT_TYPES } from '../../../src/audit/event-types.js';
import { isEventTypePattern } from '../../../src/audit/filter.js';

const docs = readFileSync(new URL('../../../docs/events.md', import.meta.url), 'utf8');
const catalogue = docs.slice(docs.indexOf('## Catalogue'), docs.indexOf('## Durability'));
const documented = new Set([...catalogue.matchAll(/`([a-z_]+\.[a-z_]+|logout)`/g)].map((match) => match[1]));

describe('the event catalogue', () => {
  it('documents every event type the code can write', () => {
    expect(EVENT_TYPES.filter((type) => !documented.has(type))).toEqual([]);
  });

  it('documents no type the code does not know', () => {
    expect([...documented].filter((type) => !(EVENT_TYPES as readonly string[]).includes(type))).toEqual([]);
  });

  it('lists each type once, and accepts categories and * as filters', () => {
    expect(new Set(EVENT_TYPES).size).toBe(EVENT_TYPES.length);
    expect(isEventTypePattern('login.*')).toBe(true);
    expect(isEventTypePattern('*')).toBe(true);
    expect(isEventTypePattern('login.nope')).toBe(false);
    expect(isEventTypePattern('nope.*')).toBe(false);
  });
});

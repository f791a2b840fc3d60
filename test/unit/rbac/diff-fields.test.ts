import { describe, expect, it } from '@jest/globals';
import { diffFields } from '../../../src/audit/changes.js';

describe('diffFields', () => {
  it('lists only changed fields with their values before and after', () => {
    expect(diffFields({ name: 'a', description: 'x', updated_at: 1 }, { name: 'b', description: 'x', updated_at: 2 })).toEqual({ name: { before: 'a', after: 'b' } });
  });

  it('treats a created record as all fields from null, and a deleted one as all fields to null', () => {
    expect(diffFields(undefined, { id: '1', name: 'a' }, { ignore: ['id'] })).toEqual({ name: { before: null, after: 'a' } });
    expect(diffFields({ name: 'a' }, undefined)).toEqual({ name: { before: 'a', after: null } });
  });

  it('masks secret fields', () => {
    expect(diffFields({ secret: 'old' }, { secret: 'new' }, { secret: ['secret'] })).toEqual({ secret: { before: '[masked]', after: '[masked]' } });
  });
});

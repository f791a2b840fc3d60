import { describe, expect, it } from '@jest/globals';
import { buildClaimsMapping, attributeClaims } from '../../../src/attributes/claims-mapping.js';
import { assertRuleFits, assertStandardType, attributeNameSchema, checkValue, parseTextValue, scopeNameSchema, type AttributeDefinition } from '../../../src/attributes/schema.js';

const define = (partial: Partial<AttributeDefinition> & Pick<AttributeDefinition, 'name' | 'type'>): AttributeDefinition => ({
  id: partial.name,
  label: null,
  description: null,
  required: false,
  rule: {},
  editable_by: 'admin',
  show_at_signup: false,
  status: 'active',
  created_at: new Date(0),
  updated_at: new Date(0),
  ...partial,
});

/** The error a bad value raises: a 400 that names the attribute. */
function rejection(definition: AttributeDefinition, value: unknown) {
  try {
    checkValue(definition, value);
  } catch (error) {
    return error as { status: number; code: string; message: string; details: { field: string; attribute: string } };
  }
  throw new Error(`${JSON.stringify(value)} was accepted for ${definition.name}`);
}

describe('attribute values', () => {
  it.each([
    ['string', { min_length: 2, max_length: 5, pattern: '[A-Z][a-z]+' }, ' Ops ', 'Ops', ['O', 'Sales!', 'ops', 12, '']],
    ['number', { min: 1, max: 10 }, 10, 10, [0, 11, '5', Number.NaN, true]],
    ['boolean', {}, false, false, ['false', 0, null]],
    ['date', { min: '2000-01-01', max: '2030-12-31' }, '2024-02-29', '2024-02-29', ['2023-02-29', '1999-12-31', '2031-01-01', '24-01-01', 20240101]],
    ['enum', { options: ['red', 'green'] }, 'green', 'green', ['blue', 'Red', '', 1]],
    ['string_list', { min: 1, max: 2, max_length: 4, pattern: '[a-z]+' }, ['ab', ' cd '], ['ab', 'cd'], [[], ['a', 'b', 'c'], ['toolong'], ['ab', ''], ['A1'], 'ab', [1]]],
  ] as const)('%s: accepts a good value and rejects each bad one with a 400 naming the attribute', (type, rule, good, stored, bad) => {
    const definition = define({ name: 'field_x', type, rule: rule as never });
    expect(checkValue(definition, good)).toEqual(stored);
    for (const value of bad) {
      const error = rejection(definition, value);
      expect(error).toMatchObject({ status: 400, code: 'INVALID_ATTRIBUTE', details: { field: 'attributes.field_x', attribute: 'field_x' } });
      expect(error.message).toMatch(/^field_x: /);
    }
  });

  it('caps an unruled string at 2000 characters and a list at 100 items', () => {
    expect(rejection(define({ name: 'note', type: 'string' }), 'x'.repeat(2001)).message).toContain('at most 2000');
    expect(rejection(define({ name: 'tags', type: 'string_list' }), Array.from({ length: 101 }, (_, i) => `t${i}`)).message).toContain('at most 100');
  });

  it('parses text from the CLI and forms into the typed value', () => {
    expect(parseTextValue(define({ name: 'n', type: 'number' }), ' 42 ')).toBe(42);
    expect(parseTextValue(define({ name: 'n', type: 'number' }), 'forty')).toBe('forty');
    expect(parseTextValue(define({ name: 'b', type: 'boolean' }), 'yes')).toBe(true);
    expect(parseTextValue(define({ name: 'b', type: 'boolean' }), 'off')).toBe(false);
    expect(parseTextValue(define({ name: 'l', type: 'string_list' }), ['a, b', 'c'])).toEqual(['a', 'b', 'c']);
  });
});

describe('attribute definitions', () => {
  it('refuses rules that do not fit the type, naming the rule field', () => {
    expect(() => assertRuleFits('boolean', { pattern: 'x' })).toThrow('rule.pattern: does not apply to a boolean attribute');
    expect(() => assertRuleFits('enum', {})).toThrow('rule.options: an enum needs its options');
    expect(() => assertRuleFits('enum', { options: ['a', 'a'] })).toThrow('rule.options: has duplicates');
    expect(() => assertRuleFits('date', { min: 5 })).toThrow('rule.min: must be a date');
    expect(() => assertRuleFits('number', { min: '2020-01-01' })).toThrow('rule.min: must be a number');
    expect(() => assertRuleFits('number', { min: 5, max: 1 })).toThrow('rule.min: is above max');
    expect(() => assertRuleFits('string', { min_length: 9, max_length: 2 })).toThrow('rule.min_length: is above max_length');
    expect(() => assertRuleFits('string_list', { max: 1.5 })).toThrow('rule.max: must be a whole number of items');
    expect(() => assertRuleFits('string', { min_length: 1, pattern: '\\d+' })).not.toThrow();
  });

  it('gives standard claims their OIDC types and keeps server claims out of reach', () => {
    expect(() => assertStandardType('birthdate', 'string')).toThrow('must be date');
    expect(() => assertStandardType('phone_number_verified', 'string')).toThrow('must be boolean');
    expect(() => assertStandardType('locale', 'enum')).not.toThrow();
    expect(() => assertStandardType('department', 'number')).not.toThrow();
    for (const name of ['sub', 'email', 'name', 'groups', 'acr', 'updated_at']) expect(attributeNameSchema.safeParse(name).success).toBe(false);
    for (const name of ['Department', '1x', 'a-b', 'x'.repeat(65)]) expect(attributeNameSchema.safeParse(name).success).toBe(false);
    for (const scope of ['openid', 'profile', 'phone', 'address', 'offline_access', 'roles']) expect(scopeNameSchema.safeParse(scope).success).toBe(false);
    expect(scopeNameSchema.safeParse('employee').success).toBe(true);
  });
});

describe('claims mapping', () => {
  const definitions = [
    define({ name: 'department', type: 'string', label: 'Department' }),
    define({ name: 'employee_id', type: 'string' }),
    define({ name: 'given_name', type: 'string' }),
    define({ name: 'phone_number', type: 'string' }),
    define({ name: 'locality', type: 'string' }),
    define({ name: 'country', type: 'string' }),
    define({ name: 'shoe_size', type: 'number' }),
  ];
  const mapping = buildClaimsMapping(definitions, [{ name: 'employee', description: 'Your job', claims: ['employee_id', 'department', 'gone'] }]);

  it('puts standard attributes under their standard scope and custom scopes over their attributes', () => {
    expect(mapping.claimsByScope).toEqual({
      profile: ['given_name'],
      phone: ['phone_number'],
      address: ['address'],
      employee: ['department', 'employee_id'],
    });
    expect(mapping.customScopes).toEqual([{ name: 'employee', description: 'Your job', claims: ['department', 'employee_id'] }]);
    expect(mapping.labels.department).toBe('Department');
  });

  it('releases a claim only under a granted scope, and builds the address claim from its members', () => {
    const values = { department: 'Sales', employee_id: 'E1', given_name: 'Ann', locality: 'Lyon', country: 'FR', shoe_size: 38 };
    expect(attributeClaims(mapping, values, 'openid')).toEqual({});
    expect(attributeClaims(mapping, values, 'openid employee')).toEqual({ department: 'Sales', employee_id: 'E1' });
    expect(attributeClaims(mapping, values, 'profile address')).toEqual({ given_name: 'Ann', address: { locality: 'Lyon', country: 'FR' } });
  });

  it('changes its fingerprint with any schema change, and only then', () => {
    const again = buildClaimsMapping([...definitions].reverse(), [{ name: 'employee', description: 'Your job', claims: ['department', 'employee_id'] }]);
    expect(again.fingerprint).toBe(mapping.fingerprint);
    const narrower = buildClaimsMapping(definitions, [{ name: 'employee', description: 'Your job', claims: ['department'] }]);
    expect(narrower.fingerprint).not.toBe(mapping.fingerprint);
  });
});

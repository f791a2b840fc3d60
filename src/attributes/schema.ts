import { z } from 'zod';
import { AppError } from '../errors/app-error.js';
import { STANDARD_ATTRIBUTES, RESERVED_CLAIM_NAMES, RESERVED_SCOPE_NAMES } from './standard-claims.js';

/**
 * The profile schema: what an attribute definition may say, and how a value is checked against it.
 * Shared by every edge that writes attributes or values (admin API, CLI, sign-up, account page).
 */

export const ATTRIBUTE_TYPES = ['string', 'number', 'boolean', 'date', 'enum', 'string_list'] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];
export type AttributeValue = string | number | boolean | string[];

/**
 * A validation rule. Lengths and the pattern apply to a string (to each item of a list); `min` and
 * `max` bound a number, a date (as YYYY-MM-DD) or the number of items of a list; `options` are the
 * values of an enum.
 */
export interface AttributeRule {
  min_length?: number;
  max_length?: number;
  pattern?: string;
  min?: number | string;
  max?: number | string;
  options?: string[];
}

export interface AttributeDefinition {
  id: string;
  name: string;
  type: AttributeType;
  label: string | null;
  description: string | null;
  required: boolean;
  rule: AttributeRule;
  /** `user`: the person may change it on the account page; `admin`: only the admin API and CLI. */
  editable_by: 'user' | 'admin';
  show_at_signup: boolean;
  /** A deprecated attribute keeps its values and claims but takes no new values and is never required. */
  status: 'active' | 'deprecated';
  created_at: Date;
  updated_at: Date;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** A real calendar day written YYYY-MM-DD (ISO 8601, as OIDC Core §5.1 `birthdate`). */
export function isCalendarDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

export const attributeNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, 'lower-case letters, digits and _, starting with a letter (at most 64)')
  .refine((name) => !RESERVED_CLAIM_NAMES.has(name), 'is a claim this server sets itself');

export const scopeNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_:.-]{0,63}$/, 'lower-case letters, digits and _ : . -, starting with a letter (at most 64)')
  .refine((name) => !RESERVED_SCOPE_NAMES.has(name), 'is a scope this server defines itself');

const patternSchema = z
  .string()
  .min(1)
  .max(200)
  .refine((pattern) => {
    try {
      new RegExp(pattern, 'u');
      return true;
    } catch {
      return false;
    }
  }, 'is not a valid regular expression');

const boundSchema = z.union([z.number().finite(), z.string().refine(isCalendarDate, 'a date as YYYY-MM-DD')]);

export const ruleSchema = z.strictObject({
  min_length: z.number().int().min(0).max(10_000).optional(),
  max_length: z.number().int().min(1).max(10_000).optional(),
  pattern: patternSchema.optional().meta({ description: 'Regular expression (Unicode) the whole value must match' }),
  min: boundSchema.optional(),
  max: boundSchema.optional(),
  options: z.array(z.string().min(1).max(200)).min(1).max(500).optional().meta({ description: 'The values of an enum' }),
});

/** Which rule keys each type understands; anything else is refused so a rule never silently does nothing. */
const RULE_KEYS: Record<AttributeType, (keyof AttributeRule)[]> = {
  string: ['min_length', 'max_length', 'pattern'],
  string_list: ['min_length', 'max_length', 'pattern', 'min', 'max'],
  number: ['min', 'max'],
  date: ['min', 'max'],
  enum: ['options'],
  boolean: [],
};

/** Checks a rule against its type; throws a 400 naming the rule field at fault. */
export function assertRuleFits(type: AttributeType, rule: AttributeRule, field = 'rule'): void {
  const fail = (key: string, message: string) => {
    throw new AppError('VALIDATION_FAILED', 400, `${field}.${key}: ${message}`, { details: { field: `${field}.${key}` } });
  };
  for (const key of Object.keys(rule) as (keyof AttributeRule)[]) {
    if (!RULE_KEYS[type].includes(key)) fail(key, `does not apply to a ${type} attribute`);
  }
  if (type === 'enum' && !rule.options) fail('options', 'an enum needs its options');
  if (rule.options && new Set(rule.options).size !== rule.options.length) fail('options', 'has duplicates');
  for (const key of ['min', 'max'] as const) {
    const bound = rule[key];
    if (bound === undefined) continue;
    if (type === 'date' && typeof bound !== 'string') fail(key, 'must be a date as YYYY-MM-DD');
    if (type !== 'date' && typeof bound !== 'number') fail(key, 'must be a number');
    if (type === 'string_list' && (!Number.isInteger(bound) || (bound as number) < 0)) fail(key, 'must be a whole number of items');
  }
  if (rule.min !== undefined && rule.max !== undefined && rule.min > rule.max) fail('min', 'is above max');
  if (rule.min_length !== undefined && rule.max_length !== undefined && rule.min_length > rule.max_length) fail('min_length', 'is above max_length');
}

/** A standard claim's attribute must have the type OIDC Core §5.1 gives the claim. */
export function assertStandardType(name: string, type: AttributeType): void {
  const standard = STANDARD_ATTRIBUTES[name];
  if (standard && !standard.types.includes(type)) {
    throw new AppError('VALIDATION_FAILED', 400, `type: ${name} is a standard claim (OIDC Core §5.1) and must be ${standard.types.join(' or ')}`, {
      details: { field: 'type' },
    });
  }
}

export function invalidValue(name: string, message: string): AppError {
  return new AppError('INVALID_ATTRIBUTE', 400, `${name}: ${message}`, { details: { field: `attributes.${name}`, attribute: name } });
}

const MAX_STRING = 2000;
const MAX_ITEMS = 100;

function checkString(definition: AttributeDefinition, value: string, what = 'must'): void {
  const { rule, name } = definition;
  const length = [...value].length;
  if (length > (rule.max_length ?? MAX_STRING)) throw invalidValue(name, `${what} have at most ${rule.max_length ?? MAX_STRING} characters`);
  if (rule.min_length !== undefined && length < rule.min_length) throw invalidValue(name, `${what} have at least ${rule.min_length} characters`);
  if (rule.pattern && !new RegExp(`^(?:${rule.pattern})$`, 'u').test(value)) throw invalidValue(name, `${what === 'must' ? 'does' : 'an item does'} not match the pattern ${rule.pattern}`);
}

/**
 * Checks one value against its definition and returns it in stored form (strings trimmed). Every
 * failure is a 400 INVALID_ATTRIBUTE whose message and `field` name the attribute.
 */
export function checkValue(definition: AttributeDefinition, input: unknown): AttributeValue {
  const { name, type, rule } = definition;
  switch (type) {
    case 'string': {
      if (typeof input !== 'string') throw invalidValue(name, 'must be a string');
      const value = input.trim();
      if (!value) throw invalidValue(name, 'must not be empty');
      checkString(definition, value);
      return value;
    }
    case 'enum': {
      if (typeof input !== 'string' || !rule.options?.includes(input)) throw invalidValue(name, `must be one of ${(rule.options ?? []).join(', ')}`);
      return input;
    }
    case 'number': {
      if (typeof input !== 'number' || !Number.isFinite(input)) throw invalidValue(name, 'must be a number');
      if (rule.min !== undefined && input < (rule.min as number)) throw invalidValue(name, `must be at least ${rule.min}`);
      if (rule.max !== undefined && input > (rule.max as number)) throw invalidValue(name, `must be at most ${rule.max}`);
      return input;
    }
    case 'boolean': {
      if (typeof input !== 'boolean') throw invalidValue(name, 'must be true or false');
      return input;
    }
    case 'date': {
      if (typeof input !== 'string' || !isCalendarDate(input)) throw invalidValue(name, 'must be a date as YYYY-MM-DD');
      if (rule.min !== undefined && input < (rule.min as string)) throw invalidValue(name, `must be on or after ${rule.min}`);
      if (rule.max !== undefined && input > (rule.max as string)) throw invalidValue(name, `must be on or before ${rule.max}`);
      return input;
    }
    case 'string_list': {
      if (!Array.isArray(input) || input.some((item) => typeof item !== 'string')) throw invalidValue(name, 'must be a list of strings');
      const items = (input as string[]).map((item) => item.trim());
      if (items.some((item) => !item)) throw invalidValue(name, 'must not contain empty items');
      if (items.length > MAX_ITEMS) throw invalidValue(name, `must have at most ${MAX_ITEMS} items`);
      if (rule.min !== undefined && items.length < (rule.min as number)) throw invalidValue(name, `must have at least ${rule.min} items`);
      if (rule.max !== undefined && items.length > (rule.max as number)) throw invalidValue(name, `must have at most ${rule.max} items`);
      for (const item of items) checkString(definition, item, 'items must');
      return items;
    }
  }
}

/**
 * Turns text (a CLI argument or a form field) into the typed value the definition expects, before
 * checking it: numbers and booleans are parsed, a list is split on commas (or given as several fields).
 */
export function parseTextValue(definition: AttributeDefinition, raw: string | string[]): unknown {
  const text = Array.isArray(raw) ? raw : [raw];
  switch (definition.type) {
    case 'number': {
      const trimmed = (text[0] ?? '').trim();
      return trimmed === '' || Number.isNaN(Number(trimmed)) ? trimmed : Number(trimmed);
    }
    case 'boolean': {
      const word = (text[0] ?? '').trim().toLowerCase();
      if (['true', 'yes', 'on', '1'].includes(word)) return true;
      if (['false', 'no', 'off', '0'].includes(word)) return false;
      return word;
    }
    case 'string_list':
      return text.flatMap((part) => part.split(',')).map((item) => item.trim()).filter(Boolean);
    default:
      return (text[0] ?? '').trim();
  }
}

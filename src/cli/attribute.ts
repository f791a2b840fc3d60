import { parseArgs } from 'node:util';
import { CLI_ACTOR } from '../audit/changes.js';
import { ATTRIBUTE_TYPES, attributeNameSchema, parseTextValue, ruleSchema, scopeNameSchema, type AttributeRule, type AttributeType } from '../attributes/schema.js';
import { invalidValue } from '../attributes/schema.js';
import { parseInput } from '../http/validate.js';
import type { Command } from './context.js';
import { UsageError } from './context.js';
import { accountWithEmail, everything, onePositional } from './lookup.js';

const bound = (type: AttributeType, text: string | undefined) => (text === undefined ? undefined : type === 'date' ? text : Number(text));

/** `idp attribute define NAME --type T [...]`: adds an attribute to the profile schema. */
export const defineAttribute: Command = async (context, { args }) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      type: { type: 'string' },
      label: { type: 'string' },
      description: { type: 'string' },
      required: { type: 'boolean' },
      'min-length': { type: 'string' },
      'max-length': { type: 'string' },
      pattern: { type: 'string' },
      min: { type: 'string' },
      max: { type: 'string' },
      option: { type: 'string', multiple: true },
      'user-editable': { type: 'boolean' },
      signup: { type: 'boolean' },
    },
  });
  const name = parseInput(attributeNameSchema, onePositional(positionals, 'attribute define needs the attribute name'));
  const type = values.type as AttributeType;
  if (!ATTRIBUTE_TYPES.includes(type)) throw new UsageError(`--type must be one of ${ATTRIBUTE_TYPES.join(', ')}`);
  const rule: AttributeRule = parseInput(ruleSchema, {
    ...(values['min-length'] !== undefined ? { min_length: Number(values['min-length']) } : {}),
    ...(values['max-length'] !== undefined ? { max_length: Number(values['max-length']) } : {}),
    ...(values.pattern !== undefined ? { pattern: values.pattern } : {}),
    ...(values.min !== undefined ? { min: bound(type, values.min) } : {}),
    ...(values.max !== undefined ? { max: bound(type, values.max) } : {}),
    ...(values.option ? { options: values.option } : {}),
  });
  const definition = await context.attributes.defineAttribute(
    {
      name,
      type,
      label: values.label,
      description: values.description,
      required: values.required,
      rule,
      editable_by: values['user-editable'] ? 'user' : 'admin',
      show_at_signup: values.signup,
    },
    CLI_ACTOR,
  );
  return { data: definition, text: `Added attribute ${definition.name} (${definition.type}).` };
};

export const listAttributes: Command = async (context) => {
  const definitions = await everything((page) => context.attributes.listAttributesPage(page));
  const line = (d: (typeof definitions)[number]) =>
    `${d.name}  ${d.type}${d.required ? '  required' : ''}${d.editable_by === 'user' ? '  user-editable' : ''}${d.show_at_signup ? '  at sign-up' : ''}${d.status === 'deprecated' ? '  DEPRECATED' : ''}`;
  return { data: definitions, text: definitions.length ? definitions.map(line).join('\n') : 'No attributes yet.' };
};

export const deprecateAttribute: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const name = onePositional(positionals, 'attribute deprecate needs the attribute name');
  const definition = await context.attributes.updateAttribute(name, { status: 'deprecated' }, CLI_ACTOR);
  return { data: definition, text: `Deprecated ${name}: its values and claims stay, it takes no new values. Remove it with: idp attribute remove ${name}` };
};

export const removeAttribute: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const name = onePositional(positionals, 'attribute remove needs the attribute name');
  await context.attributes.removeAttribute(name, CLI_ACTOR);
  return { data: { name, deleted: true }, text: `Removed attribute ${name} and its values.` };
};

/** `idp scope define NAME --claim A... [--description D]` (again, to replace its claims). */
export const defineScope: Command = async (context, { args }) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { claim: { type: 'string', multiple: true }, description: { type: 'string' } },
  });
  const name = parseInput(scopeNameSchema, onePositional(positionals, 'scope define needs the scope name'));
  const claims = values.claim ?? [];
  const existing = (await everything((page) => context.attributes.listScopesPage(page))).some((scope) => scope.name === name);
  const scope = existing
    ? await context.attributes.updateScope(name, { claims, ...(values.description !== undefined ? { description: values.description } : {}) }, CLI_ACTOR)
    : await context.attributes.defineScope({ name, description: values.description ?? null, claims }, CLI_ACTOR);
  return { data: scope, text: `Scope ${scope.name} releases: ${scope.claims.join(', ') || 'nothing yet'}.` };
};

export const listScopes: Command = async (context) => {
  const scopes = await everything((page) => context.attributes.listScopesPage(page));
  return { data: scopes, text: scopes.length ? scopes.map((scope) => `${scope.name}  ${scope.claims.join(', ')}`).join('\n') : 'No custom scopes yet.' };
};

export const removeScope: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const name = onePositional(positionals, 'scope remove needs the scope name');
  await context.attributes.removeScope(name, CLI_ACTOR);
  return { data: { name, deleted: true }, text: `Removed scope ${name}.` };
};

/** `idp user attributes EMAIL [--set NAME=VALUE]... [--unset NAME]...`: shows, then changes, an account's values. */
export const userAttributes: Command = async (context, { args }) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { set: { type: 'string', multiple: true }, unset: { type: 'string', multiple: true } },
  });
  const account = await accountWithEmail(context, onePositional(positionals, 'user attributes needs the account email'));
  const definitions = new Map((await everything((page) => context.attributes.listAttributesPage(page))).map((definition) => [definition.name, definition]));
  const changes: Record<string, unknown> = {};
  for (const assignment of values.set ?? []) {
    const at = assignment.indexOf('=');
    if (at < 1) throw new UsageError(`--set takes NAME=VALUE, got ${assignment}`);
    const name = assignment.slice(0, at);
    const definition = definitions.get(name);
    if (!definition) throw invalidValue(name, 'is not an attribute of this server');
    changes[name] = parseTextValue(definition, assignment.slice(at + 1));
  }
  for (const name of values.unset ?? []) changes[name] = null;
  const current = Object.keys(changes).length
    ? await context.attributes.setValues(account.id, changes, 'admin')
    : await context.attributes.valuesOf(account.id);
  if (Object.keys(changes).length) {
    await context.audit.record({ type: 'account.updated', actor: { type: 'system', id: 'cli' }, accountId: account.id, detail: { attributes: Object.keys(changes) } });
  }
  const text = Object.entries(current).map(([name, value]) => `${name}: ${Array.isArray(value) ? value.join(', ') : String(value)}`);
  return { data: { id: account.id, email: account.email, attributes: current }, text: text.length ? text.join('\n') : `${account.email} has no attribute values.` };
};

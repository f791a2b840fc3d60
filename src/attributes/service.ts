import { diffFields, recordChange, type Actor } from '../audit/changes.js';
import type { AuditRecorder } from '../audit/recorder.js';
import { AppError, conflict, notFound } from '../errors/app-error.js';
import { newUuid } from '../shared/ids.js';
import type { PageRequest } from '../storage/pagination.js';
import { attributeClaims, buildClaimsMapping, type ClaimScope, type ClaimsMapping } from './claims-mapping.js';
import type { AttributeChanges, AttributeQueries } from './queries.js';
import { assertRuleFits, assertStandardType, checkValue, invalidValue, type AttributeDefinition, type AttributeRule, type AttributeType, type AttributeValue } from './schema.js';

export interface AttributeInput {
  name: string;
  type: AttributeType;
  label?: string | null;
  description?: string | null;
  required?: boolean;
  rule?: AttributeRule;
  editable_by?: 'user' | 'admin';
  show_at_signup?: boolean;
}

export type AttributeUpdate = Partial<Omit<AttributeInput, 'name' | 'type'>> & { status?: 'active' | 'deprecated' };

/** Who is writing values: an operator (admin API, CLI), the person at sign-up, or the person on the account page. */
export type Writer = 'admin' | 'signup' | 'user';

/** Changes to an account's values: a value to set, or null to remove it. */
export type ValueChanges = Record<string, unknown>;

const asRecord = (value: object) => value as Record<string, unknown>;

/**
 * The operator's profile schema and every account's values. Values are validated here, whoever
 * writes them; a bad value is a 400 naming the attribute. Schema changes call `onSchemaChange`, which
 * the container wires to the provider holder so the claims mapping is rebuilt at once.
 */
export function createAttributeService(deps: { queries: AttributeQueries; audit: AuditRecorder; onSchemaChange?: () => Promise<unknown> }) {
  const { queries, audit } = deps;
  const schemaChanged = async () => {
    await deps.onSchemaChange?.();
  };

  async function requireDefinition(name: string): Promise<AttributeDefinition> {
    const definition = await queries.findDefinitionByName(name);
    if (!definition) throw notFound('no attribute with this name');
    return definition;
  }

  async function requireScope(name: string) {
    const scope = await queries.findScope(name);
    if (!scope) throw notFound('no scope with this name');
    return scope;
  }

  async function assertClaimsExist(claims: string[]): Promise<void> {
    const known = new Set((await queries.listDefinitions()).map((definition) => definition.name));
    claims.forEach((claim, index) => {
      if (!known.has(claim)) throw new AppError('VALIDATION_FAILED', 400, `claims.${index}: no attribute named ${claim}`, { details: { field: `claims.${index}` } });
    });
  }

  /**
   * Checks changes to one account's values for one kind of writer, returning what to set and what to
   * remove. `creating` enforces required attributes that are absent.
   */
  async function check(changes: ValueChanges, writer: Writer, current: Record<string, AttributeValue>, creating: boolean) {
    const definitions = await queries.listDefinitions();
    const byName = new Map(definitions.map((definition) => [definition.name, definition]));
    const set: { definition: AttributeDefinition; value: AttributeValue }[] = [];
    const remove: AttributeDefinition[] = [];
    for (const [name, input] of Object.entries(changes)) {
      const definition = byName.get(name);
      if (!definition) throw invalidValue(name, 'is not an attribute of this server');
      if (writer === 'user' && definition.editable_by !== 'user') throw invalidValue(name, 'can only be changed by an administrator');
      if (writer === 'signup' && !definition.show_at_signup) throw invalidValue(name, 'is not asked for at sign-up');
      if (input === null || input === undefined || input === '') {
        if (definition.required && definition.status === 'active') throw invalidValue(name, 'is required');
        if (name in current) remove.push(definition);
        continue;
      }
      if (definition.status === 'deprecated') throw invalidValue(name, 'is deprecated and takes no new values');
      set.push({ definition, value: checkValue(definition, input) });
    }
    if (creating) {
      for (const definition of definitions) {
        const applies = writer === 'admin' || (writer === 'signup' && definition.show_at_signup);
        if (applies && definition.required && definition.status === 'active' && !set.some((entry) => entry.definition.id === definition.id)) {
          throw invalidValue(definition.name, 'is required');
        }
      }
    }
    return { set, remove };
  }

  /** Checked values of a new account, to be written once the account exists. */
  interface CheckedValues {
    set: { definition: AttributeDefinition; value: AttributeValue }[];
  }

  const valuesOf = (checked: CheckedValues) => Object.fromEntries(checked.set.map((entry) => [entry.definition.name, entry.value]));

  return {
    listAttributesPage: (page: PageRequest) => queries.listDefinitionsPage(page),
    requireAttribute: requireDefinition,
    findAttribute: (name: string) => queries.findDefinitionByName(name),

    async defineAttribute(input: AttributeInput, actor: Actor): Promise<AttributeDefinition> {
      assertStandardType(input.name, input.type);
      assertRuleFits(input.type, input.rule ?? {});
      if (await queries.findDefinitionByName(input.name)) throw conflict('an attribute with this name already exists');
      const definition = await queries.insertDefinition({
        id: newUuid(),
        name: input.name,
        type: input.type,
        label: input.label ?? null,
        description: input.description ?? null,
        required: input.required ?? false,
        rule: input.rule ?? {},
        editable_by: input.editable_by ?? 'admin',
        show_at_signup: input.show_at_signup ?? false,
        status: 'active',
      });
      await recordChange(audit, {
        type: 'attribute.created', actor, target: { type: 'attribute', id: definition.id, name: definition.name },
        changes: diffFields(undefined, asRecord(definition), { ignore: ['id'] }),
      });
      await schemaChanged();
      return definition;
    },

    /**
     * Changes a definition. The type is fixed; a new rule applies to values written from now on, so
     * existing accounts keep working (their values are checked again only when next changed).
     */
    async updateAttribute(name: string, update: AttributeUpdate, actor: Actor): Promise<AttributeDefinition> {
      const before = await requireDefinition(name);
      if (update.rule) assertRuleFits(before.type, update.rule);
      const changes: AttributeChanges = Object.fromEntries(Object.entries(update).filter(([, value]) => value !== undefined));
      const after = (await queries.updateDefinition(before.id, changes))!;
      await recordChange(audit, {
        type: 'attribute.updated', actor, target: { type: 'attribute', id: after.id, name: after.name },
        changes: diffFields(asRecord(before), asRecord(after)),
      });
      await schemaChanged();
      return after;
    },

    /**
     * Removes a deprecated attribute with its values, and takes it out of every scope. Deprecating
     * first gives relying parties a period where the claim is still released but no longer written.
     */
    async removeAttribute(name: string, actor: Actor): Promise<void> {
      const definition = await requireDefinition(name);
      if (definition.status !== 'deprecated') {
        throw new AppError('ATTRIBUTE_NOT_DEPRECATED', 409, 'deprecate the attribute before removing it (its values are deleted with it)');
      }
      const values = await queries.countValues(definition.id);
      await queries.removeClaimFromScopes(definition.name);
      await queries.deleteDefinition(definition.id);
      await recordChange(audit, {
        type: 'attribute.deleted', actor, target: { type: 'attribute', id: definition.id, name: definition.name },
        changes: diffFields(asRecord(definition), undefined, { ignore: ['id'] }), detail: { valuesDeleted: values },
      });
      await schemaChanged();
    },

    listScopesPage: (page: PageRequest) => queries.listScopesPage(page),
    requireScope,

    async defineScope(input: ClaimScope, actor: Actor) {
      await assertClaimsExist(input.claims);
      if (await queries.findScope(input.name)) throw conflict('a scope with this name already exists');
      const scope = await queries.insertScope({ name: input.name, description: input.description ?? null, claims: [...new Set(input.claims)] });
      await recordChange(audit, { type: 'scope.created', actor, target: { type: 'scope', id: scope.name, name: scope.name }, changes: diffFields(undefined, asRecord(scope)) });
      await schemaChanged();
      return scope;
    },

    async updateScope(name: string, changes: Partial<Pick<ClaimScope, 'description' | 'claims'>>, actor: Actor) {
      const before = await requireScope(name);
      if (changes.claims) await assertClaimsExist(changes.claims);
      const after = (await queries.updateScope(name, {
        ...(changes.description !== undefined ? { description: changes.description } : {}),
        ...(changes.claims ? { claims: [...new Set(changes.claims)] } : {}),
      }))!;
      await recordChange(audit, { type: 'scope.updated', actor, target: { type: 'scope', id: name, name }, changes: diffFields(asRecord(before), asRecord(after)) });
      await schemaChanged();
      return after;
    },

    async removeScope(name: string, actor: Actor): Promise<void> {
      const scope = await requireScope(name);
      await queries.deleteScope(name);
      await recordChange(audit, { type: 'scope.deleted', actor, target: { type: 'scope', id: name, name }, changes: diffFields(asRecord(scope), undefined) });
      await schemaChanged();
    },

    /** The scopes → claims mapping as it stands in the database, with its fingerprint. */
    async claimsMapping(): Promise<ClaimsMapping> {
      const [definitions, scopes] = await Promise.all([queries.listDefinitions(), queries.listScopes()]);
      return buildClaimsMapping(definitions, scopes.map((scope) => ({ name: scope.name, description: scope.description, claims: scope.claims })));
    },

    /** The attribute claims of an account released by the granted scope. */
    async claimsFor(mapping: ClaimsMapping, accountId: string, scope: string | undefined): Promise<Record<string, unknown>> {
      if (!(scope ?? '').split(' ').some((granted) => mapping.claimsByScope[granted]?.length)) return {};
      return attributeClaims(mapping, await queries.findValues(accountId), scope);
    },

    valuesOf: (accountId: string) => queries.findValues(accountId),

    /**
     * Sets (or, with null, removes) values of an existing account as `writer`, validating each one.
     * Returns all the account's values afterwards.
     */
    async setValues(accountId: string, changes: ValueChanges, writer: Exclude<Writer, 'signup'>): Promise<Record<string, AttributeValue>> {
      const current = await queries.findValues(accountId);
      const { set, remove } = await check(changes, writer, current, false);
      await queries.writeValues(accountId, set.map((entry) => ({ attributeId: entry.definition.id, value: entry.value })), remove.map((definition) => definition.id));
      return queries.findValues(accountId);
    },

    /**
     * Validation entry point of the sign-up page: checks what the form sent for the attributes shown
     * at sign-up (required ones must be there), before the account is created. Returns the clean
     * values; pass them to `saveNewAccountValues` once the account exists.
     */
    async validateForSignup(input: ValueChanges): Promise<Record<string, AttributeValue>> {
      return valuesOf(await check(input, 'signup', {}, true));
    },

    /** Validation for an operator creating an account: every active required attribute must be given. */
    async validateForAdminCreate(input: ValueChanges): Promise<Record<string, AttributeValue>> {
      return valuesOf(await check(input, 'admin', {}, true));
    },

    /**
     * Validation entry point of the account page: checks a person's own changes (only attributes
     * editable by the user; null or '' removes an optional one). Call `setValues(id, input, 'user')`
     * to validate and save in one step.
     */
    async validateForUser(accountId: string, input: ValueChanges): Promise<Record<string, AttributeValue>> {
      const { set } = await check(input, 'user', await queries.findValues(accountId), false);
      return Object.fromEntries(set.map((entry) => [entry.definition.name, entry.value]));
    },

    /** Writes the values `validateForSignup` or `validateForAdminCreate` returned, for a new account. */
    async saveNewAccountValues(accountId: string, values: Record<string, AttributeValue>): Promise<void> {
      if (!Object.keys(values).length) return;
      const byName = new Map((await queries.listDefinitions()).map((definition) => [definition.name, definition]));
      await queries.writeValues(
        accountId,
        Object.entries(values)
          .filter(([name]) => byName.has(name))
          .map(([name, value]) => ({ attributeId: byName.get(name)!.id, value })),
        [],
      );
    },

    /** The fields of the sign-up form, in name order: active attributes shown at sign-up. */
    async signupFields(): Promise<AttributeDefinition[]> {
      return (await queries.listDefinitions()).filter((definition) => definition.status === 'active' && definition.show_at_signup);
    },

    /** The fields a person may edit on the account page: active attributes editable by the user. */
    async userEditableFields(): Promise<AttributeDefinition[]> {
      return (await queries.listDefinitions()).filter((definition) => definition.status === 'active' && definition.editable_by === 'user');
    },
  };
}

export type AttributeService = ReturnType<typeof createAttributeService>;

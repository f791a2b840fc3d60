import type { Knex } from 'knex';
import { keysetPage, type PageRequest } from '../storage/pagination.js';
import type { ClaimScope } from './claims-mapping.js';
import type { AttributeDefinition, AttributeValue } from './schema.js';

export type NewAttributeDefinition = Omit<AttributeDefinition, 'created_at' | 'updated_at'>;
export type AttributeChanges = Partial<Pick<AttributeDefinition, 'label' | 'description' | 'required' | 'rule' | 'editable_by' | 'show_at_signup' | 'status'>>;

export interface ClaimScopeRow extends ClaimScope {
  created_at: Date;
  updated_at: Date;
}

/** jsonb columns are written as JSON text: pg would send a JS array as a Postgres array. */
const json = (value: unknown) => JSON.stringify(value);

export function createAttributeQueries(db: Knex) {
  const definitions = () => db<AttributeDefinition>('attribute_definitions');
  const values = () => db('account_attributes');
  const scopes = () => db<ClaimScopeRow>('claim_scopes');
  const now = () => db.fn.now() as unknown as Date;

  return {
    listDefinitions: () => definitions().orderBy('name'),
    listDefinitionsPage: (page: PageRequest) =>
      keysetPage<AttributeDefinition>(db, definitions().select('attribute_definitions.*'), { ...page, table: 'attribute_definitions' }),
    findDefinitionByName: (name: string) => definitions().where({ name }).first(),
    async insertDefinition(definition: NewAttributeDefinition): Promise<AttributeDefinition> {
      const [row] = await definitions().insert({ ...definition, rule: json(definition.rule) as never }).returning('*');
      return row as AttributeDefinition;
    },
    async updateDefinition(id: string, changes: AttributeChanges): Promise<AttributeDefinition | undefined> {
      const row = { ...changes, ...(changes.rule ? { rule: json(changes.rule) as never } : {}), updated_at: now() };
      const [updated] = await definitions().where({ id }).update(row).returning('*');
      return updated as AttributeDefinition | undefined;
    },
    /** Deletes a definition; its values go with it (on delete cascade). */
    deleteDefinition: (id: string) => definitions().where({ id }).delete(),
    async countValues(attributeId: string): Promise<number> {
      const row = await values().where({ attribute_id: attributeId }).count<{ count: string | number }[]>({ count: '*' }).first();
      return Number(row?.count ?? 0);
    },

    /** An account's values by attribute name. */
    async findValues(accountId: string): Promise<Record<string, AttributeValue>> {
      const rows: { name: string; value: AttributeValue }[] = await values()
        .join('attribute_definitions', 'attribute_definitions.id', 'account_attributes.attribute_id')
        .where('account_attributes.account_id', accountId)
        .select('attribute_definitions.name', 'account_attributes.value');
      return Object.fromEntries(rows.map((row) => [row.name, row.value]));
    },
    /** Writes and removes values in one transaction. */
    async writeValues(accountId: string, set: { attributeId: string; value: AttributeValue }[], remove: string[]): Promise<void> {
      await db.transaction(async (trx) => {
        for (const { attributeId, value } of set) {
          await trx('account_attributes')
            .insert({ account_id: accountId, attribute_id: attributeId, value: json(value) })
            .onConflict(['account_id', 'attribute_id'])
            .merge({ value: json(value), updated_at: trx.fn.now() });
        }
        if (remove.length) await trx('account_attributes').where({ account_id: accountId }).whereIn('attribute_id', remove).delete();
      });
    },

    listScopes: () => scopes().orderBy('name'),
    /** A scope's name is its key. */
    listScopesPage: (page: PageRequest) =>
      keysetPage<ClaimScopeRow>(db, scopes().select('claim_scopes.*'), { ...page, table: 'claim_scopes', keys: [{ column: 'name', uuid: false }] }),
    findScope: (name: string) => scopes().where({ name }).first(),
    async insertScope(scope: ClaimScope): Promise<ClaimScopeRow> {
      const [row] = await scopes().insert(scope).returning('*');
      return row as ClaimScopeRow;
    },
    async updateScope(name: string, changes: Partial<Pick<ClaimScope, 'description' | 'claims'>>): Promise<ClaimScopeRow | undefined> {
      const [row] = await scopes().where({ name }).update({ ...changes, updated_at: now() }).returning('*');
      return row as ClaimScopeRow | undefined;
    },
    deleteScope: (name: string) => scopes().where({ name }).delete(),
    /** Takes an attribute out of every scope that lists it. */
    removeClaimFromScopes: (claim: string) =>
      scopes().whereRaw('? = any(claims)', [claim]).update({ claims: db.raw('array_remove(claims, ?)', [claim]) as never, updated_at: now() }),
  };
}

export type AttributeQueries = ReturnType<typeof createAttributeQueries>;

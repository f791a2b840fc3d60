import type { Knex } from 'knex';

/** One API a client may exchange people's tokens for; `scopes` null means any permission the subject token carries. */
export interface ExchangeTargetRow {
  client_id: string;
  resource_id: string;
  /** The API's identifier (joined from api_resources). */
  identifier: string;
  scopes: string[] | null;
  created_at: Date;
}

/** All SQL of the token exchange policy (migrations/…_create_token_exchange_policies). */
export function createExchangePolicyQueries(db: Knex) {
  const joined = () =>
    db('token_exchange_policies as p')
      .join('api_resources as r', 'r.id', 'p.resource_id')
      .select<ExchangeTargetRow[]>('p.client_id', 'p.resource_id', 'r.identifier', 'p.scopes', 'p.created_at');
  return {
    listExchangeTargets: (clientId: string) => joined().where('p.client_id', clientId).orderBy('r.identifier'),
    findExchangeTarget: (clientId: string, identifier: string) =>
      joined().where('p.client_id', clientId).where('r.identifier', identifier).first() as Promise<ExchangeTargetRow | undefined>,
    /** Replaces the client's whole policy in one transaction. */
    async replaceExchangeTargets(clientId: string, targets: { resource_id: string; scopes: string[] | null }[]): Promise<void> {
      await db.transaction(async (trx) => {
        await trx('token_exchange_policies').where({ client_id: clientId }).delete();
        if (targets.length) await trx('token_exchange_policies').insert(targets.map((target) => ({ client_id: clientId, ...target })));
      });
    },
  };
}

export type ExchangePolicyQueries = ReturnType<typeof createExchangePolicyQueries>;

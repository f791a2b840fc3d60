import type { Knex } from 'knex';

export interface EventRow {
  id: string;
  occurred_at: Date;
  type: string;
  outcome: 'success' | 'failure';
  actor_type: 'account' | 'client' | 'system' | 'anonymous';
  actor_id: string | null;
  account_id: string | null;
  client_id: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  detail: Record<string, unknown>;
}

export type NewEvent = Omit<EventRow, 'id'>;

export function createEventQueries(db: Knex) {
  return {
    insertEvents: (rows: NewEvent[]) => db<EventRow>('events').insert(rows),
    listRecentEvents: (limit: number) => db<EventRow>('events').orderBy('id', 'desc').limit(limit),
  };
}

export type EventQueries = ReturnType<typeof createEventQueries>;

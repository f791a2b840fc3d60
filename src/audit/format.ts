import type { StoredEvent } from './queries.js';
import { escapeForDisplay } from './sanitize.js';

/**
 * One event as one line for a person (`idp events tail`, `idp events list`). Every value that could
 * come from a user is escaped, so a name with a newline or terminal controls in it stays on its line.
 */
export function formatEventLine(event: StoredEvent): string {
  const parts = [event.occurred_at, `#${event.id}`, event.type, event.outcome];
  const field = (name: string, value: string | null) => {
    if (value !== null && value !== '') parts.push(`${name}=${value}`);
  };
  field('actor', event.actor_id ? `${event.actor_type}:${event.actor_id}` : event.actor_type);
  field('account', event.account_id);
  field('client', event.client_id);
  field('ip', event.ip);
  field('request', event.request_id);
  if (event.detail && Object.keys(event.detail).length) parts.push(`detail=${JSON.stringify(event.detail)}`);
  return escapeForDisplay(parts.join(' '));
}

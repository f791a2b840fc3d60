import { uniqueness } from './errors.js';

const MESSAGES: Record<string, string> = {
  scim_users_user_name_key: 'a user with this userName already exists in this directory',
  accounts_email_lower_key: 'an account with this email address already exists',
  groups_name_key: 'a group with this displayName already exists',
};

/** A unique-constraint violation (SQLSTATE 23505) becomes a 409 uniqueness; anything else passes through. */
export function asUniqueness(error: unknown): never {
  const candidate = error as { code?: string; constraint?: string; message?: string };
  if (candidate?.code === '23505') {
    const constraint = candidate.constraint ?? Object.keys(MESSAGES).find((name) => candidate.message?.includes(name)) ?? '';
    throw uniqueness(MESSAGES[constraint] ?? 'this resource conflicts with an existing one');
  }
  throw error;
}

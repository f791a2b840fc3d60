import { randomBytes } from 'node:crypto';
import type { AccountService } from './service.js';

export interface BootstrapResult {
  id: string;
  email: string;
  /** Set only when the password was generated here and must be shown to the operator once. */
  generatedPassword?: string;
}

/**
 * On a database with no accounts, creates the first administrator: from ADMIN_EMAIL/ADMIN_PASSWORD
 * when set, otherwise admin@example.com with a generated password that the caller shows once.
 */
export async function bootstrapFirstAdmin(
  accounts: AccountService,
  configured?: { email: string; password?: string },
): Promise<BootstrapResult | undefined> {
  if ((await accounts.countAccounts()) > 0) return undefined;
  const email = configured?.email ?? 'admin@example.com';
  const generatedPassword = configured?.password ? undefined : randomBytes(12).toString('base64url');
  const account = await accounts.createAccount({ email, name: 'Administrator', password: configured?.password ?? generatedPassword, emailVerified: true });
  return { id: account.id, email, generatedPassword };
}

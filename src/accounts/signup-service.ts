import { AppError } from '../errors/app-error.js';
import type { Config } from '../config/load.js';
import type { RequestOrigin } from '../http/request-context.js';
import type { AccountFlowDeps } from './flow-deps.js';
import { LinkError } from './account-tokens.js';
import type { AccountRow } from './queries.js';
import { normalizeEmail } from './service.js';

export interface SignUpInput {
  email: string;
  name: string;
  password: string;
  returnPath?: string;
  /** Runs once a new account exists (not for a known address): saves its profile attributes. */
  onCreated?: (account: AccountRow) => Promise<void>;
}

export function weakPassword(message: string, problem?: string, values?: Record<string, unknown>): AppError {
  return new AppError('WEAK_PASSWORD', 400, message, { details: { field: 'password', problem }, ...(problem ? { i18n: { key: `error.password.${problem}`, values } } : {}) });
}

/**
 * Sign-up and email verification. Sign-up answers the same way whether or not the address has an
 * account: a new address gets a verification link, a known one a mail saying someone tried, and
 * both paths spend one password hash so their timing matches too.
 */
export function createSignupService(
  deps: Pick<AccountFlowDeps, 'accounts' | 'profile' | 'tokens' | 'policy' | 'hasher' | 'mailer' | 'audit' | 'links'> & {
    config: Pick<Config, 'signup' | 'accountLinks' | 'product'>;
  },
) {
  const { config, accounts, tokens, mailer, audit, links } = deps;
  const ttl = config.accountLinks.verificationTtl;

  async function sendVerification(account: AccountRow, returnPath?: string): Promise<void> {
    const token = await tokens.issue({ account, purpose: 'verify_email', email: account.email, ttlSeconds: ttl, returnPath });
    await mailer.send(account.email, 'verify-email', { link: links.verify(token), expiresIn: ttl });
  }

  return {
    enabled: () => config.signup.enabled,
    allowedDomains: () => config.signup.allowedDomains,

    /**
     * `limit` runs once the input is valid and before anything is looked up or sent (the mail limit):
     * a person fixing a weak password is not counted, and both outcomes are counted alike.
     */
    async signUp(input: SignUpInput, origin: RequestOrigin, limit: (email: string) => Promise<void> = async () => undefined): Promise<void> {
      if (!config.signup.enabled) throw new AppError('SIGNUP_DISABLED', 404, 'Sign-up is not available here. Ask the administrator for an account.');
      const email = normalizeEmail(input.email);
      const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
      const allowed = config.signup.allowedDomains;
      if (allowed.length && !allowed.includes(domain)) {
        throw new AppError('SIGNUP_DOMAIN_NOT_ALLOWED', 400, `Sign-up is open to addresses at ${allowed.join(', ')} only.`, { details: { field: 'email' }, i18n: { key: 'error.SIGNUP_DOMAIN_NOT_ALLOWED', values: { domains: allowed.join(', ') } } });
      }
      const verdict = deps.policy.check(input.password, { productName: config.product.name, email, name: input.name });
      if (!verdict.ok) throw weakPassword(verdict.message!, verdict.problem, verdict.values);
      await limit(email);

      const toExisting = async (existing: AccountRow) => {
        await mailer.send(existing.email, 'signup-existing', { signInUrl: links.signIn, resetUrl: links.forgot });
        await audit.record({ type: 'account.signup_duplicate', outcome: 'failure', accountId: existing.id, origin });
      };
      const existing = await accounts.findByEmail(email);
      if (existing) {
        await deps.hasher.hash(input.password); // the time a new account's hash takes: no timing difference
        return toExisting(existing);
      }
      let account: AccountRow;
      try {
        account = await accounts.createAccount({ email, name: input.name, password: input.password, emailVerified: false });
      } catch (error) {
        // Two sign-ups for one address at once: the loser is answered like any existing address.
        const winner = ['CONFLICT', '23505'].includes(String((error as { code?: unknown }).code)) ? await accounts.findByEmail(email) : undefined;
        if (!winner) throw error;
        return toExisting(winner);
      }
      await input.onCreated?.(account);
      await sendVerification(account, input.returnPath);
      await audit.record({ type: 'account.created', accountId: account.id, origin, detail: { via: 'signup' } });
    },

    /** Sends a new link to an unverified address; silent for any other address (no enumeration). */
    async resendVerification(emailInput: string, origin: RequestOrigin, returnPath?: string): Promise<void> {
      const account = await accounts.findByEmail(emailInput.trim());
      if (!account || account.email_verified || account.status !== 'active') return;
      await sendVerification(account, returnPath);
      await audit.record({ type: 'account.verification_sent', accountId: account.id, origin });
    },

    async sendVerificationTo(account: AccountRow, origin: RequestOrigin, returnPath?: string): Promise<void> {
      if (account.email_verified) return;
      await sendVerification(account, returnPath);
      await audit.record({ type: 'account.verification_sent', accountId: account.id, origin });
    },

    /** Checks a verification link without using it: the page it opens asks for a click first. */
    async inspectVerification(token: string): Promise<{ email: string }> {
      const row = await tokens.inspect(token, 'verify_email');
      const account = await accounts.findById(row.account_id);
      if (!account || account.email !== row.email) throw new LinkError('address_changed', 'verify_email');
      return { email: row.email };
    },

    async confirmVerification(token: string, origin: RequestOrigin): Promise<{ account: AccountRow; returnPath?: string }> {
      try {
        const row = await tokens.inspect(token, 'verify_email');
        const account = await accounts.findById(row.account_id);
        if (!account || account.email !== row.email) throw new LinkError('address_changed', 'verify_email');
        await tokens.use(token, 'verify_email');
        if (!(await deps.profile.markEmailVerified(account.id, row.email))) throw new LinkError('address_changed', 'verify_email');
        await audit.record({ type: 'account.email_verified', accountId: account.id, origin });
        return { account: { ...account, email_verified: true }, returnPath: row.return_path ?? undefined };
      } catch (error) {
        if (error instanceof LinkError) {
          await audit.record({ type: 'account.email_verified', outcome: 'failure', origin, detail: { reason: error.problem } });
        }
        throw error;
      }
    },
  };
}

export type SignupService = ReturnType<typeof createSignupService>;

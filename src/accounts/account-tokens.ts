import { AppError } from '../errors/app-error.js';
import type { Clock } from '../shared/clock.js';
import { sha256 } from '../shared/digest.js';
import { newSecretToken, newUuid } from '../shared/ids.js';
import type { AccountRow } from './queries.js';
import type { AccountTokenQueries, AccountTokenRow, TokenPurpose } from './token-queries.js';

/** Why a link does not work. Only someone holding the link sees this, so it may be precise. */
export type LinkProblem = 'unknown' | 'expired' | 'used' | 'replaced' | 'address_changed';

const PROBLEM_MESSAGES: Record<LinkProblem, string> = {
  unknown: 'This link is not valid. Check that you opened the whole link from the most recent email.',
  expired: 'This link has expired. Ask for a new one.',
  used: 'This link has already been used. Each link works once.',
  replaced: 'A newer link was sent after this one, or your password was changed since. Use the most recent email.',
  address_changed: 'This link was sent to an address that is no longer the one on the account.',
};

export class LinkError extends AppError {
  constructor(readonly problem: LinkProblem, readonly purpose?: TokenPurpose) {
    super(`LINK_${problem.toUpperCase()}`, 400, PROBLEM_MESSAGES[problem], { details: { problem } });
  }
}

/** The nil UUID: no account has it, so statements about it match nothing. */
const NO_ACCOUNT = '00000000-0000-0000-0000-000000000000';

/** The longest value accepted as a token: 32 random bytes are 43 base64url characters. */
export const MAX_TOKEN_LENGTH = 128;

/**
 * Single-use links. The token is 256 random bits, mailed once and stored only as its SHA-256, so a
 * database leak opens nothing. Issuing one revokes the account's earlier open tokens of the same
 * purpose, so only the newest link works. A token is bound to the exact address it was mailed to.
 */
export function createAccountTokens(deps: { queries: AccountTokenQueries; clock: Clock }) {
  const { queries, clock } = deps;

  async function issueFor(input: { accountId: string; purpose: TokenPurpose; email: string; ttlSeconds: number; returnPath?: string }): Promise<string> {
    const now = clock.now();
    await queries.revokeOpenTokens(input.accountId, [input.purpose], now);
    const token = newSecretToken();
    await queries.insertAccountToken({
      id: newUuid(),
      account_id: input.accountId,
      purpose: input.purpose,
      token_hash: sha256(token),
      email: input.email,
      return_path: input.returnPath ?? null,
      created_at: now,
      expires_at: new Date(now.getTime() + input.ttlSeconds * 1000),
    });
    return token;
  }

  return {
    issue: (input: { account: AccountRow; purpose: TokenPurpose; email: string; ttlSeconds: number; returnPath?: string }): Promise<string> =>
      issueFor({ ...input, accountId: input.account.id }),

    /**
     * The work of `issue` for an address without an account: a token minted and hashed, and the same
     * statements run, matching and writing no row. Its token opens nothing.
     */
    issueDecoy: (input: { purpose: TokenPurpose; email: string; ttlSeconds: number }): Promise<string> => issueFor({ ...input, accountId: NO_ACCOUNT }),

    /** Finds an open token without using it (to show the page a link leads to); throws a LinkError. */
    async inspect(token: string, purpose: TokenPurpose): Promise<AccountTokenRow> {
      const row = token.length <= MAX_TOKEN_LENGTH ? await queries.findAccountTokenByHash(sha256(token)) : undefined;
      if (!row || row.purpose !== purpose) throw new LinkError('unknown', purpose);
      if (row.used_at) throw new LinkError('used', purpose);
      if (row.revoked_at) throw new LinkError('replaced', purpose);
      if (new Date(row.expires_at).getTime() <= clock.now().getTime()) throw new LinkError('expired', purpose);
      return row;
    },

    /** Uses a token exactly once; a second use (even a concurrent one) gets a LinkError. */
    async use(token: string, purpose: TokenPurpose): Promise<AccountTokenRow> {
      await this.inspect(token, purpose);
      const row = await queries.useAccountToken(sha256(token), purpose, clock.now());
      if (!row) throw new LinkError('used', purpose);
      return row;
    },

    revokeOpen: (accountId: string, purposes: TokenPurpose[]) => queries.revokeOpenTokens(accountId, purposes, clock.now()),
    purgeExpired: (before: Date) => queries.purgeAccountTokens(before),
  };
}

export type AccountTokens = ReturnType<typeof createAccountTokens>;

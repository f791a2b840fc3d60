import type { Actor } from '../audit/changes.js';
import type { AuditRecorder } from '../audit/recorder.js';
import type { AccountService } from '../accounts/service.js';
import { AppError, conflict } from '../errors/app-error.js';
import type { RequestOrigin } from '../http/request-context.js';
import type { GroupService } from '../rbac/group-service.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { ConnectionRow, FederationQueries } from './queries.js';
import type { UpstreamProfile } from './upstream.js';
import { canUnlinkIdentities } from '../passkeys/policy.js';

export type Resolution =
  | { kind: 'account'; accountId: string; created: boolean }
  | { kind: 'link_required'; accountId: string; email: string }
  | { kind: 'refused'; reason: string; message: string };

export interface SignInContext {
  origin: RequestOrigin;
  clientId?: string;
}

/**
 * Turns a verified upstream identity into a local account. The link (connection, upstream subject)
 * is the only thing that signs someone in; an email is never enough. An email that names an existing
 * account leads to linking only when the upstream vouches for it (email_verified) and the person then
 * proves control of the local account; an unverified one is refused, which is what stops an attacker
 * who registered the victim's address upstream without owning it.
 */
export function createFederationBroker(deps: {
  queries: FederationQueries;
  accounts: AccountService;
  groups: GroupService;
  audit: AuditRecorder;
  clock: Clock;
  logger: Logger;
  /** Passkeys are a way in too: unlinking may leave an account with only them. */
  passkeys: { count(accountId: string): Promise<number> };
}) {
  const { queries, accounts, audit } = deps;
  const actorOf = (connection: ConnectionRow): Actor => ({ type: 'system', id: `federation:${connection.slug}` });

  async function signInLinked(connection: ConnectionRow, profile: UpstreamProfile, accountId: string): Promise<Resolution> {
    const account = await accounts.findById(accountId);
    if (!account || account.status !== 'active') return { kind: 'refused', reason: 'account_disabled', message: 'This account is disabled.' };
    await queries.recordIdentityLogin(connection.id, profile.subject, deps.clock.now(), profile.email ?? null);
    // Attribute mapping on every sign-in: the upstream is the source of the name. The email stays as
    // it is: it identifies the account here, and changes only through its own verified process.
    if (profile.name && profile.name !== account.name) await accounts.updateAccount(account.id, { name: profile.name });
    return { kind: 'account', accountId: account.id, created: false };
  }

  return {
    async resolve(connection: ConnectionRow, profile: UpstreamProfile, context: SignInContext): Promise<Resolution> {
      const identity = await queries.findIdentity(connection.id, profile.subject);
      if (identity) return signInLinked(connection, profile, identity.account_id);
      const existing = profile.email ? await accounts.findByEmail(profile.email) : undefined;
      if (existing) {
        if (!profile.emailVerified) {
          return {
            kind: 'refused',
            reason: 'unverified_email_matches_account',
            message: `An account with this email already exists, and ${connection.display_name} does not confirm that the address is yours. Sign in with your password, then link ${connection.display_name} from your account.`,
          };
        }
        if (existing.status !== 'active' || !existing.password_hash) {
          return {
            kind: 'refused',
            reason: 'link_proof_unavailable',
            message: `An account with this email already exists. Sign in to it the way you usually do, then link ${connection.display_name} from your account.`,
          };
        }
        return { kind: 'link_required', accountId: existing.id, email: existing.email };
      }
      if (!connection.allow_jit) {
        return { kind: 'refused', reason: 'jit_disabled', message: `No account here is linked to this ${connection.display_name} sign-in. Ask your administrator for access.` };
      }
      if (!profile.email) {
        return { kind: 'refused', reason: 'no_email', message: `${connection.display_name} did not share an email address, which an account here needs.` };
      }
      let account;
      try {
        account = await accounts.createAccount({ email: profile.email, name: profile.name, emailVerified: profile.emailVerified });
      } catch (error) {
        if (error instanceof AppError && error.status < 500) return { kind: 'refused', reason: 'jit_failed', message: error.message };
        throw error;
      }
      if (!(await queries.insertIdentity({ connection_id: connection.id, subject: profile.subject, account_id: account.id, email: profile.email }))) {
        // Another request linked the same upstream identity at the same moment: keep that one.
        await accounts.deleteAccount(account.id);
        const winner = (await queries.findIdentity(connection.id, profile.subject))!;
        return signInLinked(connection, profile, winner.account_id);
      }
      await queries.recordIdentityLogin(connection.id, profile.subject, deps.clock.now(), profile.email);
      await audit.record({
        type: 'account.created',
        actor: actorOf(connection),
        accountId: account.id,
        clientId: context.clientId,
        origin: context.origin,
        detail: { via: 'federation', jit: true, connection: connection.slug, emailVerified: profile.emailVerified },
      });
      return { kind: 'account', accountId: account.id, created: true };
    },

    /** Links an upstream identity to an account whose control was just proven (password or session). */
    async link(connection: ConnectionRow, profile: UpstreamProfile, accountId: string, proof: 'password' | 'session', context: SignInContext): Promise<void> {
      const linked = await queries.insertIdentity({ connection_id: connection.id, subject: profile.subject, account_id: accountId, email: profile.email ?? null });
      if (!linked) {
        const holder = await queries.findIdentity(connection.id, profile.subject);
        if (holder?.account_id !== accountId) throw conflict(`this ${connection.display_name} account is already linked to another account`);
        return;
      }
      await queries.recordIdentityLogin(connection.id, profile.subject, deps.clock.now(), profile.email ?? null);
      await audit.record({
        type: 'federation.linked',
        accountId,
        clientId: context.clientId,
        origin: context.origin,
        detail: { connection: connection.slug, subject: profile.subject, proof },
      });
    },

    /**
     * Makes the account's mapped memberships match the upstream's group claim: adds what is mapped
     * and missing, removes what this connection added earlier and the upstream no longer sends.
     * Memberships made by hand are never touched.
     */
    async syncGroups(connection: ConnectionRow, accountId: string, upstreamGroups: string[]): Promise<{ added: string[]; removed: string[] }> {
      if (!connection.groups_claim) return { added: [], removed: [] };
      const desired = new Set(upstreamGroups.map((value) => connection.group_map[value]).filter((id): id is string => Boolean(id)));
      const current = new Set(await queries.listMappedGroupIds(connection.id, accountId));
      const added: string[] = [];
      const removed: string[] = [];
      const member = { type: 'account' as const, id: accountId };
      for (const groupId of desired) {
        if (current.has(groupId)) continue;
        try {
          if (await deps.groups.addMember(groupId, member, actorOf(connection))) {
            await queries.insertMappedGroup(connection.id, accountId, groupId);
            added.push(groupId);
          }
        } catch (error) {
          if (!(error instanceof AppError) || error.status !== 404) throw error;
          deps.logger.warn({ connection: connection.slug, groupId }, 'group mapping names a group that no longer exists');
        }
      }
      for (const groupId of current) {
        if (desired.has(groupId)) continue;
        await queries.deleteMappedGroup(connection.id, accountId, groupId);
        await deps.groups.removeMember(groupId, member, actorOf(connection)).catch((error: unknown) => {
          if (!(error instanceof AppError) || error.status !== 404) throw error;
        });
        removed.push(groupId);
      }
      return { added, removed };
    },

    listIdentities: (accountId: string) => queries.listIdentitiesOfAccount(accountId),

    /**
     * Removes every upstream identity of an account, with the group memberships they brought (a
     * password reset that first proves the address: see recovery-service.ts). Returns the names of
     * the providers that were linked.
     */
    async removeAllIdentities(accountId: string, context: SignInContext & { reason: string }): Promise<string[]> {
      const identities = await queries.listIdentitiesOfAccount(accountId);
      const names: string[] = [];
      for (const connectionId of new Set(identities.map((identity) => identity.connection_id))) {
        const connection = await queries.findConnectionById(connectionId);
        await queries.deleteIdentitiesOfAccount(connectionId, accountId);
        if (!connection) continue;
        await this.syncGroups(connection, accountId, []);
        names.push(connection.display_name);
        await audit.record({
          type: 'federation.unlinked',
          accountId,
          origin: context.origin,
          detail: { connection: connection.slug, subjects: identities.filter((identity) => identity.connection_id === connectionId).map((identity) => identity.subject), reason: context.reason },
        });
      }
      return names;
    },

    /** Unlinks a connection from an account, unless it is the account's last way to sign in. */
    async unlink(connection: ConnectionRow, accountId: string, context: SignInContext): Promise<void> {
      const account = await accounts.findById(accountId);
      const identities = await queries.listIdentitiesOfAccount(accountId);
      const ofThis = identities.filter((identity) => identity.connection_id === connection.id);
      if (!account || ofThis.length === 0) throw new AppError('NOT_LINKED', 404, `${connection.display_name} is not linked to this account`, { i18n: { key: 'error.NOT_LINKED', values: { provider: connection.display_name } } });
      const ways = { hasPassword: Boolean(account.password_hash), passkeys: await deps.passkeys.count(accountId), linkedIdentities: identities.length };
      if (!canUnlinkIdentities(ways, ofThis.length)) {
        throw new AppError('LAST_SIGN_IN_METHOD', 409, `${connection.display_name} is the only way to sign in to this account, so it cannot be unlinked.`, { i18n: { key: 'error.LAST_SIGN_IN_METHOD', values: { provider: connection.display_name } } });
      }
      await queries.deleteIdentitiesOfAccount(connection.id, accountId);
      await this.syncGroups(connection, accountId, []);
      await audit.record({
        type: 'federation.unlinked',
        accountId,
        clientId: context.clientId,
        origin: context.origin,
        detail: { connection: connection.slug, subjects: ofThis.map((identity) => identity.subject) },
      });
    },
  };
}

export type FederationBroker = ReturnType<typeof createFederationBroker>;

import type { Actor } from '../audit/changes.js';
import { recordChange } from '../audit/changes.js';
import type { AuditRecorder } from '../audit/recorder.js';
import { AppError, conflict, notFound } from '../errors/app-error.js';
import type { Clock } from '../shared/clock.js';
import { sha256 } from '../shared/digest.js';
import { newSecretToken, newUuid } from '../shared/ids.js';
import type { DirectoryQueries, DirectoryRow, ProvisioningTokenRow } from './queries/directories.js';

/** Provisioning tokens start with this, so the guard knows them from JWTs and secret scanners can find them. */
export const TOKEN_PREFIX = 'idp_scim_';
const isUuid = (value: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
/** A token's last use is written at most once a minute. */
const TOUCH_INTERVAL_MS = 60_000;

export interface DirectoryInput {
  name: string;
  /** The OAuth client that may provision as this directory with a client-credentials token. */
  clientId?: string | null;
  sendInvitations?: boolean;
}

/** A token as it is listed: never its value, which is shown once, when it is created. */
export const presentToken = (row: ProvisioningTokenRow) => ({
  id: row.id,
  label: row.label,
  created_at: row.created_at,
  expires_at: row.expires_at,
  last_used_at: row.last_used_at,
  revoked_at: row.revoked_at,
});

/**
 * Directories (each an Okta or Entra tenant, a source of accounts) and their provisioning tokens.
 * A token is 256 random bits behind a fixed prefix; only its SHA-256 is stored, so the database
 * never holds a usable credential. Rotation issues a new token and revokes the old one at once.
 */
export function createDirectoryService(deps: { queries: DirectoryQueries; audit: AuditRecorder; clock: Clock; findClient(clientId: string): Promise<unknown> }) {
  const { queries, audit, clock } = deps;

  async function requireDirectory(idOrName: string): Promise<DirectoryRow> {
    const directory = (isUuid(idOrName) ? await queries.findDirectoryById(idOrName) : undefined) ?? (await queries.findDirectoryByName(idOrName));
    if (!directory) throw notFound('no directory with this id or name');
    return directory;
  }

  async function checkClient(clientId: string | null | undefined, exceptDirectory?: string) {
    if (!clientId) return;
    if (!(await deps.findClient(clientId))) throw new AppError('VALIDATION_FAILED', 400, 'client_id: no client with this id', { details: { field: 'client_id' } });
    const holder = await queries.findDirectoryByClient(clientId);
    if (holder && holder.id !== exceptDirectory) throw conflict('this client already provisions another directory');
  }

  const target = (directory: DirectoryRow) => ({ type: 'scim_directory', id: directory.id, name: directory.name });

  async function issue(directory: DirectoryRow, label: string | null, expiresAt: Date | null, actor: Actor) {
    const token = `${TOKEN_PREFIX}${newSecretToken()}`;
    const row = await queries.insertToken({ id: newUuid(), directory_id: directory.id, token_hash: sha256(token), label, created_at: clock.now(), expires_at: expiresAt });
    await recordChange(audit, { type: 'scim.token_created', actor, target: target(directory), detail: { token: row.id, label } });
    return { ...presentToken(row), token };
  }

  return {
    requireDirectory,
    listDirectories: () => queries.listDirectories(),
    countMarked: (directory: DirectoryRow) => queries.countMarked(directory.id),

    async createDirectory(input: DirectoryInput, actor: Actor): Promise<DirectoryRow> {
      if (await queries.findDirectoryByName(input.name)) throw conflict('a directory with this name already exists');
      await checkClient(input.clientId);
      const directory = await queries.insertDirectory({ id: newUuid(), name: input.name, client_id: input.clientId ?? null, send_invitations: input.sendInvitations ?? true });
      await recordChange(audit, { type: 'scim.directory_created', actor, target: target(directory), detail: { client_id: directory.client_id, send_invitations: directory.send_invitations } });
      return directory;
    },

    async updateDirectory(idOrName: string, changes: Partial<DirectoryInput>, actor: Actor): Promise<DirectoryRow> {
      const before = await requireDirectory(idOrName);
      if (changes.name !== undefined && changes.name.toLowerCase() !== before.name.toLowerCase() && (await queries.findDirectoryByName(changes.name))) {
        throw conflict('a directory with this name already exists');
      }
      if (changes.clientId !== undefined) await checkClient(changes.clientId, before.id);
      const after = await queries.updateDirectory(before.id, {
        ...(changes.name !== undefined ? { name: changes.name } : {}),
        ...(changes.clientId !== undefined ? { client_id: changes.clientId } : {}),
        ...(changes.sendInvitations !== undefined ? { send_invitations: changes.sendInvitations } : {}),
      });
      if (!after) throw notFound('no directory with this id or name');
      await recordChange(audit, { type: 'scim.directory_updated', actor, target: target(after), changes: {
        ...(before.name !== after.name ? { name: { before: before.name, after: after.name } } : {}),
        ...(before.client_id !== after.client_id ? { client_id: { before: before.client_id, after: after.client_id } } : {}),
        ...(before.send_invitations !== after.send_invitations ? { send_invitations: { before: before.send_invitations, after: after.send_invitations } } : {}),
      } });
      return after;
    },

    /** Deletes a directory and its tokens. Its accounts and groups stay, no longer marked as provisioned. */
    async deleteDirectory(idOrName: string, actor: Actor): Promise<void> {
      const directory = await requireDirectory(idOrName);
      const marked = await queries.countMarked(directory.id);
      await queries.deleteDirectory(directory.id);
      await recordChange(audit, { type: 'scim.directory_deleted', actor, target: target(directory), detail: { released: marked } });
    },

    listTokens: async (idOrName: string) => (await queries.listTokens((await requireDirectory(idOrName)).id)).map(presentToken),

    /** Creates a token; its value is in the result and nowhere else, ever. */
    async createToken(idOrName: string, input: { label?: string | null; expiresAt?: Date | null }, actor: Actor) {
      return issue(await requireDirectory(idOrName), input.label ?? null, input.expiresAt ?? null, actor);
    },

    async revokeToken(idOrName: string, tokenId: string, actor: Actor): Promise<void> {
      const directory = await requireDirectory(idOrName);
      const token = isUuid(tokenId) ? await queries.findToken(directory.id, tokenId) : undefined;
      if (!token) throw notFound('this directory has no such token');
      if (await queries.revokeToken(token.id, clock.now())) {
        await recordChange(audit, { type: 'scim.token_revoked', actor, target: target(directory), detail: { token: token.id, label: token.label } });
      }
    },

    /** A new token with the same label and expiry; the old one stops working at once. */
    async rotateToken(idOrName: string, tokenId: string, actor: Actor) {
      const directory = await requireDirectory(idOrName);
      const old = isUuid(tokenId) ? await queries.findToken(directory.id, tokenId) : undefined;
      if (!old || old.revoked_at) throw notFound('this directory has no such live token');
      const fresh = await issue(directory, old.label, old.expires_at, actor);
      await queries.revokeToken(old.id, clock.now());
      await recordChange(audit, { type: 'scim.token_revoked', actor, target: target(directory), detail: { token: old.id, label: old.label, replacedBy: fresh.id } });
      return fresh;
    },

    /** The directory a provisioning token belongs to, when the token is live. */
    async authenticate(token: string): Promise<DirectoryRow | undefined> {
      if (!token.startsWith(TOKEN_PREFIX) || token.length > 128) return undefined;
      const row = await queries.findTokenByHash(sha256(token));
      const now = clock.now();
      if (!row || row.revoked_at || (row.expires_at && new Date(row.expires_at).getTime() <= now.getTime())) return undefined;
      await queries.touchToken(row.id, now, new Date(now.getTime() - TOUCH_INTERVAL_MS));
      return queries.findDirectoryById(row.directory_id);
    },

    directoryOfClient: (clientId: string) => queries.findDirectoryByClient(clientId),
  };
}

export type DirectoryService = ReturnType<typeof createDirectoryService>;

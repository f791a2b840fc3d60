import type { Clock } from '../shared/clock.js';
import { createAccessCache } from './access-cache.js';
import { buildProfile, evaluate, INACTIVE_PROFILE, listObjects, type AccessProfile, type CheckAnswer, type CheckQuestion, type ObjectListAnswer } from './evaluate.js';
import type { RbacQueries } from './queries.js';
import type { Subject } from './queries/access.js';
import { isUuid } from './subjects.js';

export type { Subject };

export interface AccessServiceOptions {
  /** Longest time a change made by another process stays unseen by the check endpoint. */
  pollIntervalMs?: number;
  /** Hard bound on a cached profile's age; kept below the access-token lifetime. */
  maxAgeMs?: number;
  maxEntries?: number;
}

const subjectKey = (subject: Subject) => `${subject.type}:${subject.id}`;

/**
 * Answers "what may this subject do". The ID-token and userinfo claims read the database every time.
 * The check endpoint, the guard of the server's own APIs, and the permissions put in access tokens
 * read through per-process caches (see access-cache.ts): a change made in this process shows in the
 * very next answer or token; one made by another process (an instance, the CLI) within the poll
 * interval, through the database's generation counter.
 */
export function createAccessService(deps: { queries: RbacQueries; clock: Clock; options?: AccessServiceOptions }) {
  const { queries } = deps;
  const options = deps.options ?? {};

  async function loadProfile(key: string): Promise<AccessProfile> {
    const colon = key.indexOf(':');
    const subject = { type: key.slice(0, colon), id: key.slice(colon + 1) } as Subject;
    if (subject.type === 'account' && !isUuid(subject.id)) return INACTIVE_PROFILE;
    const [active, held, grants] = await Promise.all([
      queries.isActiveSubject(subject),
      queries.findHeldPermissions(subject),
      subject.type === 'account' ? queries.findHeldObjectGrants(subject.id) : Promise.resolve([]),
    ]);
    return buildProfile(active, held, grants);
  }

  const cached = <V>(load: (key: string) => Promise<V>) =>
    createAccessCache<V>({
      load,
      readGeneration: () => queries.readGeneration(),
      clock: deps.clock,
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      maxAgeMs: options.maxAgeMs ?? 60_000,
      maxEntries: options.maxEntries ?? 10_000,
    });

  const cache = cached<AccessProfile>(loadProfile);

  // Keyed by subject and API; the token endpoint asks this once per token (the benchmark's client
  // credentials grant spent one of its four database round trips here).
  const tokenPermissionCache = cached<string[]>((key) => {
    const [subject, resource] = key.split('\n');
    const colon = subject.indexOf(':');
    return queries.findPermissionNames({ type: subject.slice(0, colon), id: subject.slice(colon + 1) } as Subject, resource);
  });

  const groupsRequireMfaCache = cached<boolean>((accountId) => queries.anyGroupRequiresMfa(accountId));
  const groupsRequirePhishingResistantCache = cached<boolean>((accountId) => queries.anyGroupRequiresPhishingResistant(accountId));

  return {
    /** The subject's permissions on one API, for its access token (`permissions` claim, scope bound). */
    async tokenPermissions(subject: Subject, resourceIdentifier: string): Promise<string[]> {
      if (subject.type === 'account' && !isUuid(subject.id)) return [];
      return tokenPermissionCache.get(`${subjectKey(subject)}\n${resourceIdentifier}`);
    },
    /** Names of the groups the account is in, directly or through nested groups. */
    groupNames: (accountId: string) => (isUuid(accountId) ? queries.findGroupNames(accountId) : Promise.resolve([])),
    /** Asked on every authorization (silent ones too), so it reads through a cache like the check endpoint's. */
    groupsRequireMfa: (accountId: string) => (isUuid(accountId) ? groupsRequireMfaCache.get(accountId) : Promise.resolve(false)),
    /** Whether a group of the account requires a passkey sign-in; asked like groupsRequireMfa. */
    groupsRequirePhishingResistant: (accountId: string) => (isUuid(accountId) ? groupsRequirePhishingResistantCache.get(accountId) : Promise.resolve(false)),
    /** Names of the roles the account holds, directly or through its groups. */
    roleNames: (accountId: string) => (isUuid(accountId) ? queries.findRoleNames(accountId) : Promise.resolve([])),

    async check(subject: Subject, question: CheckQuestion): Promise<CheckAnswer> {
      return evaluate(await cache.get(subjectKey(subject)), question);
    },
    async listObjects(subject: Subject, question: { permission: string; objectType: string; resource?: string }): Promise<ObjectListAnswer> {
      return listObjects(await cache.get(subjectKey(subject)), question);
    },
    /** For the guard of the server's own APIs: does the subject hold `permission` on `resource`? */
    async hasPermission(subject: Subject, resource: string, permission: string): Promise<boolean> {
      return (await this.check(subject, { permission, resource })).allowed;
    },
    /** Called after every RBAC write in this process. */
    invalidate: () => {
      cache.invalidate();
      tokenPermissionCache.invalidate();
      groupsRequireMfaCache.invalidate();
      groupsRequirePhishingResistantCache.invalidate();
    },
  };
}

export type AccessService = ReturnType<typeof createAccessService>;

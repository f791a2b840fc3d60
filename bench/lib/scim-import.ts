import type { Measurement } from './load.js';
import type { ServerProcess } from './processes.js';
import type { Row } from './report.js';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export interface ScimImportOptions {
  users: number;
  groups: number;
  /** Requests in flight at once: Entra and Okta both provision in parallel. */
  connections: number;
  log(message: string): void;
}

const round = (value: number) => Math.round(value * 100) / 100;

/** Runs `work` for every index with `connections` workers; returns each unit's duration and the errors. */
async function parallel(count: number, connections: number, work: (index: number) => Promise<void>, log: (message: string) => void) {
  const durations: number[] = [];
  let errors = 0;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const t0 = performance.now();
      try {
        await work(index);
      } catch (error) {
        errors += 1;
        if (errors <= 5) log(`  unit ${index} failed: ${(error as Error).message}`);
      }
      durations.push(performance.now() - t0);
    }
  };
  const startedAt = performance.now();
  await Promise.all(Array.from({ length: connections }, worker));
  return { durations, errors, elapsedMs: performance.now() - startedAt };
}

function measurement(server: ServerProcess, cpuBefore: number, run: { durations: number[]; errors: number; elapsedMs: number }): Measurement {
  const sorted = [...run.durations].sort((a, b) => a - b);
  return {
    rate: (run.durations.length * 1000) / run.elapsedMs,
    p50: round(sorted[Math.floor(sorted.length * 0.5)]),
    p99: round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]),
    errors: run.errors,
    requests: run.durations.length,
    rssMiB: server.rssMiB(),
    cpuMsPerRequest: (server.cpuMs() - cpuBefore) / run.durations.length,
  };
}

/**
 * A directory's first import through /scim/v2, as Okta and Entra run it: for each user, a look-up
 * by userName (404-free: an empty list) and then the create; then each group is created empty and
 * its members (an equal share of the users) added with one PATCH. Reports users/s and groups/s.
 */
export async function scimImport(server: ServerProcess, token: string, options: ScimImportOptions): Promise<Row[]> {
  const call = async (method: string, path: string, body?: unknown, expect = 200) => {
    const response = await fetch(`${server.origin}/scim/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status !== expect) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 200)}`);
    return text ? JSON.parse(text) : undefined;
  };
  const userIds: string[] = new Array(options.users);
  options.log(`▶ SCIM import: ${options.users.toLocaleString('en-US')} users (look-up + create), ${options.connections} in flight`);
  let cpuBefore = server.cpuMs();
  const users = await parallel(
    options.users,
    options.connections,
    async (index) => {
      const userName = `person${index}@import.example`;
      const found = await call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
      if (found.totalResults !== 0) throw new Error(`${userName} already exists`);
      const created = await call(
        'POST',
        '/Users',
        {
          schemas: [USER_SCHEMA],
          userName,
          externalId: `ext-${index}`,
          name: { givenName: `Person`, familyName: `Number ${index}` },
          emails: [{ value: userName, type: 'work', primary: true }],
          active: true,
        },
        201,
      );
      userIds[index] = created.id;
    },
    options.log,
  );
  const usersRow = measurement(server, cpuBefore, users);
  options.log(`  ${usersRow.rate.toFixed(1)} users/s, p99 ${usersRow.p99} ms, errors ${usersRow.errors}, ${(users.elapsedMs / 1000).toFixed(1)} s`);

  const perGroup = Math.ceil(options.users / options.groups);
  options.log(`▶ SCIM import: ${options.groups} groups (create + one PATCH adding ${perGroup} members)`);
  cpuBefore = server.cpuMs();
  const groups = await parallel(
    options.groups,
    options.connections,
    async (index) => {
      const group = await call('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: `Import group ${index}`, externalId: `grp-${index}` }, 201);
      const members = userIds.slice(index * perGroup, (index + 1) * perGroup).filter(Boolean).map((value) => ({ value }));
      await call('PATCH', `/Groups/${group.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: members }] }, 204);
    },
    options.log,
  );
  const groupsRow = measurement(server, cpuBefore, groups);
  options.log(`  ${groupsRow.rate.toFixed(1)} groups/s, p99 ${groupsRow.p99} ms, errors ${groupsRow.errors}, ${(groups.elapsedMs / 1000).toFixed(1)} s`);
  return [
    { id: 'scim-import-users', title: `SCIM import: ${options.users.toLocaleString('en-US')} users (look-up + create)`, unit: 'users/s', ours: [usersRow], ratios: [] },
    { id: 'scim-import-groups', title: `SCIM import: ${options.groups} groups (create + PATCH of ${perGroup} members)`, unit: 'groups/s', ours: [groupsRow], ratios: [] },
  ];
}

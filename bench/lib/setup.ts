import { loadConfig } from '../../src/config/load.js';
import { buildContainer } from '../../src/container.js';
import type { Actor } from '../../src/audit/changes.js';
import { createLogger } from '../../src/shared/logger.js';
import { seedAccounts } from './account-search.js';
import { BENCH_EMAIL, BENCH_PASSWORD, BENCH_REDIRECT_URI, BENCH_RESOURCES, type ClientCredentials } from './fixtures.js';

const ACTOR: Actor = { type: 'system', id: 'bench' };

export interface OurFixtures {
  machine: ClientCredentials;
  web: ClientCredentials;
  accountId: string;
  authzAudience: string;
  /** A provisioning token of a SCIM directory, for the import scenario. */
  scimToken: string;
  /** The admin API's audience (the machine client may read it, for the account search scenario). */
  adminAudience: string;
}

/**
 * Registers what the scenarios use through our own services, as an operator's CLI would, before the
 * server starts (PGlite allows one process per data folder): a machine client holding read/write on
 * the JWT and opaque APIs and authz:check on the check API, a first-party web client, and an account.
 */
export async function prepareOurServer(env: Record<string, string>, options: { searchAccounts?: number } = {}): Promise<OurFixtures> {
  const { config } = loadConfig(env);
  const container = await buildContainer(config, { logger: createLogger('warn') });
  try {
    const machine = await container.clients.createClient({ name: 'bench machine', type: 'machine', redirectUris: [], postLogoutRedirectUris: [] });
    const web = await container.clients.createClient({
      name: 'bench web',
      type: 'web',
      redirectUris: [BENCH_REDIRECT_URI],
      postLogoutRedirectUris: [],
      firstParty: true,
    });
    const account = await container.accounts.createAccount({ email: BENCH_EMAIL, password: BENCH_PASSWORD, emailVerified: true, name: 'Bench User' });

    const role = await container.roles.createRole({ name: 'bench machine' }, ACTOR);
    const permissionIds: string[] = [];
    for (const spec of [BENCH_RESOURCES.es256, BENCH_RESOURCES.opaque]) {
      const resource = await container.resources.createResource(
        { identifier: spec.ours, name: spec.ours, tokenFormat: spec.format, permissions: spec.permissions.map((name) => ({ name })) },
        ACTOR,
      );
      permissionIds.push(...resource.permissions.map((permission) => permission.id));
    }
    const authzAudience = container.systemApis.authz.identifier;
    permissionIds.push((await container.resources.findPermission(authzAudience, 'authz:check'))!.id);
    const adminAudience = container.systemApis.admin.identifier;
    permissionIds.push((await container.resources.findPermission(adminAudience, 'admin:read'))!.id);
    if (options.searchAccounts) await seedAccounts(container.db, options.searchAccounts);
    await container.roles.addPermissions(role.id, permissionIds, ACTOR);
    await container.roles.assign(role.id, { type: 'client', id: machine.client.client_id }, ACTOR);

    const directory = await container.scimDirectories.createDirectory({ name: 'bench directory', sendInvitations: false }, ACTOR);
    const { token: scimToken } = await container.scimDirectories.createToken(directory.id, { label: 'bench' }, ACTOR);

    return {
      scimToken,
      machine: { clientId: machine.client.client_id, clientSecret: machine.clientSecret! },
      web: { clientId: web.client.client_id, clientSecret: web.clientSecret! },
      accountId: account.id,
      authzAudience,
      adminAudience,
    };
  } finally {
    await container.close();
  }
}

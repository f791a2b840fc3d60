import * as oidc from 'openid-client';
import { bootstrapAdminClient } from '../../src/admin/bootstrap.js';
import type { TestServer } from './server.js';
import { TEST_ACTOR } from './rbac.js';

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: any;
}

export interface ApiClient {
  clientId: string;
  token: string;
  call(method: string, path: string, body?: unknown): Promise<ApiResponse>;
}

/** Calls one of the server's APIs with a bearer token. */
export function apiClient(server: TestServer, clientId: string, token: string): ApiClient {
  return {
    clientId,
    token,
    async call(method, path, body) {
      const response = await fetch(`${server.issuer}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
    },
  };
}

/** A client-credentials token for `audience`, through openid-client. */
export async function machineToken(server: TestServer, clientId: string, clientSecret: string, audience: string, scope?: string): Promise<string> {
  const config = await oidc.discovery(new URL(server.issuer), clientId, undefined, oidc.ClientSecretBasic(clientSecret), {
    execute: [oidc.allowInsecureRequests],
  });
  const tokens = await oidc.clientCredentialsGrant(config, { resource: audience, ...(scope ? { scope } : {}) });
  return tokens.access_token;
}

/** The bootstrapped admin client, with a token for the admin API. */
export async function bootstrapAdmin(server: TestServer): Promise<ApiClient & { secret: string }> {
  const admin = await bootstrapAdminClient(server.container, server.issuer, { actor: TEST_ACTOR, force: true });
  const token = await machineToken(server, admin.client_id, admin.client_secret, admin.admin_api);
  return { ...apiClient(server, admin.client_id, token), secret: admin.client_secret };
}

/** A machine client holding a role with exactly `permissions` on the admin API, with its token. */
export async function adminWith(server: TestServer, permissions: string[]): Promise<ApiClient> {
  const { container } = server;
  const audience = container.systemApis.admin.identifier;
  const { client, clientSecret } = await container.clients.createClient({ name: `admin ${permissions.join('+') || 'none'}`, type: 'machine', redirectUris: [], postLogoutRedirectUris: [] });
  if (permissions.length) {
    const ids = [];
    for (const name of permissions) ids.push((await container.resources.findPermission(audience, name))!.id);
    const role = await container.roles.createRole({ name: `admin-${permissions.join('-')}-${client.client_id.slice(0, 6)}` }, TEST_ACTOR);
    await container.roles.addPermissions(role.id, ids, TEST_ACTOR);
    await container.roles.assign(role.id, { type: 'client', id: client.client_id }, TEST_ACTOR);
  }
  return apiClient(server, client.client_id, await machineToken(server, client.client_id, clientSecret!, audience));
}

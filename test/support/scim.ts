import type { TestServer } from './server.js';
import { TEST_ACTOR } from './rbac.js';

export interface ScimResponse {
  status: number;
  headers: Headers;
  body: any;
}

export interface ScimClient {
  directoryId: string;
  token: string;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ScimResponse>;
}

/** Calls /scim/v2 with a bearer token, sending bodies as application/scim+json as Okta and Entra do. */
export function scimClient(server: TestServer, token: string, directoryId = ''): ScimClient {
  return {
    directoryId,
    token,
    async call(method, path, body, headers = {}) {
      const response = await fetch(`${server.issuer}/scim/v2${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/scim+json',
          ...(body === undefined ? {} : { 'content-type': 'application/scim+json; charset=utf-8' }),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
    },
  };
}

/** A directory with a provisioning token, created as an operator would. */
export async function provisioningDirectory(server: TestServer, name: string, options: { sendInvitations?: boolean } = {}): Promise<ScimClient> {
  const directory = await server.container.scimDirectories.createDirectory({ name, sendInvitations: options.sendInvitations ?? false }, TEST_ACTOR);
  const { token } = await server.container.scimDirectories.createToken(directory.id, { label: 'test' }, TEST_ACTOR);
  return scimClient(server, token, directory.id);
}

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** A PatchOp message. */
export const patch = (...operations: unknown[]) => ({ schemas: [PATCH_OP], Operations: operations });

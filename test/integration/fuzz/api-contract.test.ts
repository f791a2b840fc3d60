import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import fc from 'fast-check';
import { bootstrapAdmin, machineToken, type ApiClient } from '../../support/admin.js';
import { requestCases, type RequestCase } from '../../support/fuzz/cases.js';
import { namesRequestPart, operationsOf, validatorFor, type Operation } from '../../support/fuzz/contract.js';
import { startTestServer, type TestServer } from '../../support/server.js';

/**
 * Issue 23: both OpenAPI documents (admin API, check API) lint clean, and every operation keeps its
 * contract under well-formed and hostile requests generated from them. A fixed seed in `npm test`;
 * `npm run fuzz` runs longer with a random seed (printed, and named in every failure, to replay it:
 * FUZZ_SEED=<seed> npm run fuzz). FUZZ_RUNS sets the requests per operation.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261206);
const RUNS = Number(process.env.FUZZ_RUNS ?? 8);
const ADMIN_DOCUMENT = '/admin/api/openapi.json';
const CHECK_DOCUMENT = '/api/authz/openapi.json';

interface Answer {
  status: number;
  type: string;
  text: string;
  body: any;
}

describe('API contract under generated requests', () => {
  let server: TestServer;
  let admin: ApiClient & { secret: string };
  let checkToken: string;
  const documents: Record<string, any> = {};

  beforeAll(async () => {
    // The fuzz suite sends thousands of requests in a minute; the per-client API limit has tests of its own.
    server = await startTestServer({ env: { API_REQUESTS_PER_CLIENT_PER_MINUTE: '1000000' } });
    admin = await bootstrapAdmin(server);
    checkToken = await machineToken(server, admin.clientId, admin.secret, server.container.systemApis.authz.identifier);
    for (const path of [ADMIN_DOCUMENT, CHECK_DOCUMENT]) documents[path] = await (await fetch(`${server.issuer}${path}`)).json();
  });
  afterAll(() => server.close());

  it.each([ADMIN_DOCUMENT, CHECK_DOCUMENT])('%s is a valid OpenAPI 3.1 document that lints clean (redocly recommended rules)', async (path) => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: JSON.stringify(documents[path], null, 1), absoluteRef: `${server.issuer}${path}`, config });
    expect(problems.map((problem) => `${problem.severity} ${problem.ruleId}: ${problem.message}`)).toEqual([]);
    expect(documents[path].openapi).toBe('3.1.0');
    expect(documents[path].info.license).toEqual({ name: 'Apache-2.0', identifier: 'Apache-2.0' });
  });

  it('the check API document describes POST /api/authz/check from its zod schemas: the three forms, the answers and the size limit', () => {
    const operation = documents[CHECK_DOCUMENT].paths['/api/authz/check'].post;
    expect(operation.requestBody.content['application/json'].schema.anyOf).toEqual([
      { $ref: '#/components/schemas/Check' },
      { $ref: '#/components/schemas/CheckBatch' },
      { $ref: '#/components/schemas/CheckList' },
    ]);
    expect(Object.keys(operation.responses).sort()).toEqual(['200', '400', '401', '403', '413', '415', '429']);
    expect(documents[CHECK_DOCUMENT].components.schemas.CheckBatch.properties.checks).toMatchObject({ minItems: 1, maxItems: 100 });
  });

  it(`every operation keeps its contract (seed ${SEED}, ${RUNS} requests per operation)`, async () => {
    const started = Date.now();
    const ids = await createFixtures(server, admin);
    const validators: Record<string, ReturnType<typeof validatorFor>> = { [ADMIN_DOCUMENT]: validatorFor('urn:fuzz:admin', documents[ADMIN_DOCUMENT]), [CHECK_DOCUMENT]: validatorFor('urn:fuzz:check', documents[CHECK_DOCUMENT]) };
    // Deletions last, so that the fixtures live through the other operations.
    const operations = [
      ...operationsOf(ADMIN_DOCUMENT, documents[ADMIN_DOCUMENT]),
      ...operationsOf(CHECK_DOCUMENT, documents[CHECK_DOCUMENT], () => true),
    ].sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
    expect(operations.length).toBeGreaterThan(80);
    const failures: string[] = [];
    let requests = 0;
    const send = async (method: string, path: string, request: { query?: string; body?: string; contentType?: string }, token: string): Promise<Answer> => {
      requests += 1;
      const response = await fetch(`${server.issuer}${path}${request.query ? `?${request.query}` : ''}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(request.contentType ? { 'content-type': request.contentType } : {}) },
        body: request.body,
      });
      const type = response.headers.get('content-type') ?? '';
      const text = await response.text();
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      return { status: response.status, type, text, body };
    };

    for (const [index, operation] of operations.entries()) {
      const token = operation.api === CHECK_DOCUMENT ? checkToken : admin.token;
      const arbitrary = requestCases(operation, (name) => ids[name] ?? [], documents[operation.api].components);
      const readBack = readBackOf(operation, operations);
      for (const request of fc.sample(arbitrary, { seed: SEED + index, numRuns: RUNS })) {
        const path = fillPath(operation.path, request.path);
        const before = readBack ? await send('GET', fillPath(readBack, request.path), {}, token) : undefined;
        const answer = await send(operation.method, path, request, token);
        const problems = judge(operation, request, answer, validators[operation.api]);
        if (before && answer.status >= 400 && answer.status < 500) {
          const after = await send('GET', fillPath(readBack!, request.path), {}, token);
          if (after.status !== before.status || stable(after) !== stable(before)) problems.push(`a refused request changed ${readBack}: ${before.text.slice(0, 200)} → ${after.text.slice(0, 200)}`);
        }
        if (problems.length) {
          failures.push(`${operation.method} ${path}${request.query ? `?${request.query}` : ''} [${request.kind}] body=${(request.body ?? '').slice(0, 200)} → ${answer.status} ${answer.text.slice(0, 300)}\n    ${problems.join('\n    ')}`);
        }
      }
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.info(`API fuzz: seed ${SEED}, ${RUNS} per operation, ${operations.length} operations, ${requests} requests in ${seconds} s, ${failures.length} failures`);
    if (failures.length) {
      throw new Error(`${failures.length} answers broke the contract (replay: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} npm run fuzz):\n${failures.slice(0, 25).join('\n')}`);
    }
    // Bounded by the request count, not by time; the limit only stops a hung run (about 30 s here under load).
  }, 240_000);
});

/** An answer without what differs on every request (its request id). */
function stable(answer: Answer): string {
  if (answer.body && typeof answer.body === 'object') {
    const { request_id: _requestId, ...rest } = answer.body;
    return JSON.stringify(rest);
  }
  return answer.text;
}

/** Fills a path template with raw (already encoded) segments. */
function fillPath(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_match, name: string) => values[name] ?? 'missing');
}

/** The GET whose answer a refused write must leave unchanged: the same path, or the nearest parent path that has one. */
function readBackOf(operation: Operation, operations: Operation[]): string | undefined {
  if (!operation.writes) return undefined;
  const segments = operation.path.split('/');
  for (let length = segments.length; length > 3; length -= 1) {
    const candidate = segments.slice(0, length).join('/');
    const read = operations.find((other) => other.method === 'GET' && other.path === candidate);
    // A parent read needs only parameters the write has too.
    if (read) return read.path;
  }
  return undefined;
}

/** The contract of issue 23, applied to one answer. */
function judge(operation: Operation, request: RequestCase, answer: Answer, validate: (ref: string, value: unknown) => string | undefined): string[] {
  const problems: string[] = [];
  const declared = operation.responses[String(answer.status)];
  if (answer.status >= 500) problems.push(`server error ${answer.status}`);
  if (!declared) problems.push(`status ${answer.status} is not declared for this operation (${Object.keys(operation.responses).join(', ')})`);
  if (answer.status >= 400) {
    if (!answer.type.startsWith('application/problem+json')) problems.push(`error answered as ${answer.type}, not application/problem+json`);
    else if (answer.body?.status !== answer.status) problems.push('problem status differs from the HTTP status');
    if (answer.status === 400) {
      const field = answer.body?.field;
      if (typeof field !== 'string') problems.push('a 400 that names no field');
      else if (!namesRequestPart(field, operation, request)) problems.push(`the 400 names "${field}", which is no part of the request`);
    }
  } else if (declared) {
    if (answer.status === 204 && answer.text !== '') problems.push('204 with a body');
    if (declared.json) {
      if (!answer.type.startsWith('application/json')) problems.push(`2xx answered as ${answer.type}`);
      else {
        const error = validate(declared.json, answer.body);
        if (error) problems.push(`2xx body does not match the response schema: ${error}`);
      }
    }
  }
  return problems;
}

/** Objects for the path parameters to name: one of each kind the admin API manages. */
async function createFixtures(server: TestServer, admin: ApiClient): Promise<Record<string, string[]>> {
  const V1 = '/admin/api/v1';
  const ok = async (method: string, path: string, body?: unknown) => {
    const response = await admin.call(method, `${V1}${path}`, body);
    if (response.status >= 300) throw new Error(`fixture ${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };
  const account = await ok('POST', '/accounts', { email: 'fuzz@example.com', name: 'Fuzz', password: 'a long enough password' });
  const client = await ok('POST', '/clients', { name: 'Fuzz machine', type: 'machine' });
  const role = await ok('POST', '/roles', { name: 'fuzz-role' });
  const group = await ok('POST', '/groups', { name: 'fuzz-group' });
  const member = await ok('POST', '/groups', { name: 'fuzz-member-group' });
  const resource = await ok('POST', '/resources', { identifier: 'https://fuzz.example.com/api', permissions: [{ name: 'things:read' }] });
  const detail = await ok('GET', `/resources/${resource.id}`);
  const connection = await ok('POST', '/connections', { preset: 'github', slug: 'fuzz', client_id: 'fuzz' });

  const grant = await ok('POST', '/object-grants', { subject_type: 'account', subject_id: account.id, permission_id: detail.permissions[0].id, object: 'document:1' });
  const attribute = await ok('POST', '/attributes', { name: 'fuzz_level', type: 'string', label: 'Fuzz level' });
  await ok('PUT', `/accounts/${account.id}/roles/${role.id}`);
  const directory = await ok('POST', '/scim/directories', { name: 'Fuzz directory', send_invitations: false });
  const token = await ok('POST', `/scim/directories/${directory.id}/tokens`, { label: 'fuzz' });
  return {
    accountId: [account.id],
    clientId: [client.client_id],
    roleId: [role.id],
    groupId: [group.id],
    memberGroupId: [member.id],
    resourceId: [resource.id],
    permissionId: [detail.permissions[0].id],
    connectionId: [connection.id],
    grantId: [grant.id],
    attributeName: [attribute.name],
    scopeName: ['profile'],
    sessionUid: ['no-such-session'],
    directoryId: [directory.id],
    tokenId: [token.id],
  };
}

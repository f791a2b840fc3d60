import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestServer, type TestServer } from '../../support/server.js';
import { provisioningDirectory } from '../../support/scim.js';

interface Step {
  name: string;
  method: string;
  path: string;
  body?: unknown;
  status: number;
  expect?: Record<string, unknown>;
  absent?: string[];
  save?: Record<string, string>;
}

const load = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as { name: string; steps: Step[] };

/** Replaces {{name}} in every string of a value. */
function fill<T>(value: T, variables: Record<string, string>): T {
  if (typeof value === 'string') return value.replaceAll(/\{\{(\w+)\}\}/g, (_, name: string) => variables[name] ?? `{{${name}}}`) as T;
  if (Array.isArray(value)) return value.map((item) => fill(item, variables)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, fill(inner, variables)])) as T;
  return value;
}

/**
 * Replays, request by request, what Okta's and Microsoft Entra's provisioning clients send in their
 * published sequences (test/integration/scim/fixtures): each step's status and the parts of the
 * answer the client reads.
 */
describe.each(['okta', 'entra'])('published provisioning sequence: %s', (fixture) => {
  let server: TestServer;
  const sequence = load(fixture);
  const suffix = randomBytes(4).toString('hex');
  const variables: Record<string, string> = { suffix, userName: `isabel.${suffix}@example.com` };

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it(`${sequence.name}: every step answers as the client expects`, async () => {
    const scim = await provisioningDirectory(server, `${fixture} directory`);
    for (const step of sequence.steps) {
      const response = await scim.call(step.method, fill(step.path, variables), fill(step.body, variables));
      expect({ step: step.name, status: response.status }).toEqual({ step: step.name, status: step.status });
      if (response.body) expect(response.headers.get('content-type')).toMatch(/^application\/scim\+json/);
      if (step.expect) expect({ step: step.name, body: response.body }).toMatchObject({ step: step.name, body: fill(step.expect, variables) });
      for (const attribute of step.absent ?? []) expect({ step: step.name, [attribute]: response.body[attribute] }).toEqual({ step: step.name, [attribute]: undefined });
      for (const [variable, attribute] of Object.entries(step.save ?? {})) variables[variable] = response.body[attribute];
    }
    const events = await server.container.db('events').where({ actor_type: 'directory', actor_id: scim.directoryId }).select('type');
    expect(new Set(events.map((event: { type: string }) => event.type))).toEqual(
      new Set(['account.created', 'account.updated', 'account.disabled', 'group.created', 'group.updated', 'group.member_added', 'group.member_removed', 'group.deleted', ...(fixture === 'entra' ? ['account.deleted'] : [])]),
    );
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { startTestServer, type TestServer } from '../../support/server.js';
import { registerClient, type RegisteredClient } from '../../support/relying-party.js';

describe('token endpoint limit per client', () => {
  let server: TestServer;
  let machine: RegisteredClient;

  const post = (secret: string) =>
    fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${machine.clientId}:${secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });

  beforeAll(async () => {
    server = await startTestServer({ env: { TOKEN_REQUESTS_PER_CLIENT_PER_MINUTE: '8', TOKEN_AUTH_FAILURE_COST: '3' } });
    machine = await registerClient(server.issuer, server.container, { type: 'machine' });
  });
  afterAll(() => server.close());

  it('counts failed client authentication heavier, then answers 429 with Retry-After in OAuth format', async () => {
    expect((await post('guess-1')).status).toBe(401); // 1 + 3 points
    expect((await post(machine.clientSecret!)).status).toBe(200); // 5
    expect((await post(machine.clientSecret!)).status).toBe(200); // 6
    expect((await post('guess-2')).status).toBe(401); // 7 + 3 = 10: over
    const limited = await post(machine.clientSecret!);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ error: 'temporarily_unavailable' });
  });

  it('keeps other clients unaffected', async () => {
    const other = await registerClient(server.issuer, server.container, { type: 'machine' });
    const tokens = await oidc.clientCredentialsGrant(other.config);
    expect(tokens.access_token).toEqual(expect.any(String));
  });
});

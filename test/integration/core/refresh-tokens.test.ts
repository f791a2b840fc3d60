import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { sha256 } from '../../../src/shared/digest.js';
import { usingRedis } from '../../support/database.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { exchangeCode, registerClient, signIn, type RegisteredClient } from '../../support/relying-party.js';

const alice = { email: 'alice@example.com', password: 'correct horse battery staple' };

describe('refresh tokens', () => {
  let server: TestServer;
  let web: RegisteredClient;

  async function freshTokens(client = web) {
    const { start, callback } = await signIn(client, alice);
    return exchangeCode(client, start, callback.url);
  }

  beforeAll(async () => {
    server = await startTestServer();
    await server.container.accounts.createAccount(alice);
    web = await registerClient(server.issuer, server.container);
  });
  afterAll(() => server.close());

  it('rotates the refresh token on every use', async () => {
    const first = await freshTokens();
    const second = await oidc.refreshTokenGrant(web.config, first.refresh_token!);
    expect(second.refresh_token).toEqual(expect.any(String));
    expect(second.refresh_token).not.toBe(first.refresh_token);
    const third = await oidc.refreshTokenGrant(web.config, second.refresh_token!);
    expect(third.access_token).toEqual(expect.any(String));
    const events = await server.container.db('events').where({ type: 'token.issued' }).orderBy('id');
    expect(events.at(-1).detail).toMatchObject({ grantType: 'refresh_token', refreshTokenRotated: true });
  });

  it('revokes the whole grant when a rotated refresh token is used again', async () => {
    const first = await freshTokens();
    const second = await oidc.refreshTokenGrant(web.config, first.refresh_token!);
    await expect(oidc.refreshTokenGrant(web.config, first.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    // The legitimate holder's newer token dies with the grant: the thief cannot keep a foothold.
    await expect(oidc.refreshTokenGrant(web.config, second.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await oidc.tokenIntrospection(web.config, second.access_token)).active).toBe(false);
    const detected = await server.container.db('events').where({ type: 'token.refresh_reuse_detected' });
    expect(detected).toHaveLength(1);
  });

  it('refuses a refresh token presented by another client', async () => {
    const other = await registerClient(server.issuer, server.container);
    const tokens = await freshTokens();
    await expect(oidc.refreshTokenGrant(other.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('works for a public client (SPA) that authenticates with PKCE alone', async () => {
    const spa = await registerClient(server.issuer, server.container, { type: 'spa' });
    const tokens = await freshTokens(spa);
    const refreshed = await oidc.refreshTokenGrant(spa.config, tokens.refresh_token!);
    expect(refreshed.access_token).toEqual(expect.any(String));
  });

  it('keeps grants and refresh tokens in SQL, and short-lived tokens in Redis when it is configured', async () => {
    const tokens = await freshTokens();
    const sqlModels = async (model: string) => server.container.db('oidc_models').where({ model }).count<{ count: string }[]>({ count: '*' });
    expect(Number((await sqlModels('RefreshToken'))[0].count)).toBeGreaterThan(0);
    expect(Number((await sqlModels('Grant'))[0].count)).toBeGreaterThan(0);
    const accessTokenRows = await server.container.db('oidc_models').where({ model: 'AccessToken', id: sha256(tokens.access_token) });
    if (usingRedis()) {
      expect(accessTokenRows).toHaveLength(0);
      expect(await server.testRedis!.redis.exists(`{oidc:AccessToken}:${sha256(tokens.access_token)}`)).toBe(1);
    } else {
      expect(accessTokenRows).toHaveLength(1);
    }
    // Neither store holds a usable token: only hashes of the ids.
    const dump = JSON.stringify(await server.container.db('oidc_models').select('*'));
    expect(dump).not.toContain(tokens.refresh_token);
    expect(dump).not.toContain(tokens.access_token);
  });
});

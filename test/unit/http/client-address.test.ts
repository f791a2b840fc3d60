import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Koa from 'koa';
import { clientAddress } from '../../../src/http/client-address.js';

/** What Koa (and so oidc-provider, which runs with proxy = true) believes about a request. */
async function serve(trustedProxies: string[]) {
  const app = new Koa({ proxy: true });
  app.use(clientAddress(trustedProxies));
  app.use((ctx) => void (ctx.body = { ip: ctx.ip, protocol: ctx.protocol, host: ctx.host }));
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('clientAddress: forwarded headers', () => {
  let trusted: Awaited<ReturnType<typeof serve>>;
  let untrusted: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    trusted = await serve(['127.0.0.1']);
    untrusted = await serve([]);
  });
  afterAll(() => {
    trusted.server.close();
    untrusted.server.close();
  });

  const seen = async (origin: string, headers: Record<string, string>) =>
    (await (await fetch(`${origin}/`, { headers })).json()) as { ip: string; protocol: string; host: string };

  it("behind a proxy that appends, believes only the proxy's own (right-most) scheme, host and client address", async () => {
    const answer = await seen(trusted.origin, {
      'x-forwarded-proto': 'https, http',
      'x-forwarded-host': 'evil.example, id.example.test',
      'x-forwarded-for': '198.51.100.9, 203.0.113.5',
    });
    expect(answer).toEqual({ ip: '203.0.113.5', protocol: 'http', host: 'id.example.test' });
  });

  it('behind a proxy that overwrites, believes its single values', async () => {
    expect(await seen(trusted.origin, { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'id.example.test', 'x-forwarded-for': '203.0.113.5' }))
      .toEqual({ ip: '203.0.113.5', protocol: 'https', host: 'id.example.test' });
  });

  it('from a peer that is not a trusted proxy, believes none of them', async () => {
    const answer = await seen(untrusted.origin, { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example', 'x-forwarded-for': '198.51.100.9' });
    expect(answer.protocol).toBe('http');
    expect(answer.ip).toBe('127.0.0.1');
    expect(answer.host).toMatch(/^127\.0\.0\.1:\d+$/);
  });
});

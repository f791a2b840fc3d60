import { openTestDatabase, usingRedis, type TestDatabase } from './database.js';
import { openTestRedis, type TestRedis } from './redis.js';
import { startRoundRobinProxy, type RoundRobinProxy } from './round-robin-proxy.js';
import { startTestServer, type TestServer } from './server.js';

export interface TwoInstances {
  /** The proxy's address: both instances have it as their ISSUER, as behind a real load balancer. */
  issuer: string;
  proxy: RoundRobinProxy;
  instances: [TestServer, TestServer];
  /** Makes the proxy's next request go to instance `index`. */
  aimAt(index: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Two instances on one database (and one Redis when REDIS_URL is set) behind a round-robin proxy:
 * every request goes to the other instance than the one before.
 */
export async function startTwoInstances(env: Record<string, string> = {}): Promise<TwoInstances> {
  const testDatabase: TestDatabase = await openTestDatabase();
  const testRedis: TestRedis | undefined = usingRedis() ? await openTestRedis() : undefined;
  const upstreams: number[] = [];
  const proxy = await startRoundRobinProxy(upstreams);
  const issuer = `http://127.0.0.1:${proxy.port}`;
  const started: TestServer[] = [];
  const close = async () => {
    for (const instance of started) await instance.close();
    await proxy.close();
    await testRedis?.destroy();
    await testDatabase.destroy();
  };
  try {
    for (let i = 0; i < 2; i++) started.push(await startTestServer({ env: { ISSUER: issuer, ...env }, testDatabase, testRedis }));
  } catch (error) {
    await close();
    throw error;
  }
  upstreams.push(started[0].http.port, started[1].http.port);
  return {
    issuer,
    proxy,
    instances: [started[0], started[1]],
    aimAt: async (index) => {
      if (proxy.served.length % 2 !== index) await fetch(`${issuer}/healthz`);
    },
    close,
  };
}

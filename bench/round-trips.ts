/**
 * Counts the SQL queries and Redis commands one request of each benchmark scenario costs our server
 * (steady state: caches warm). Needs DATABASE_URL-style Postgres and Redis on 127.0.0.1 (schema and
 * prefix are private and removed). Usage: node --import tsx bench/round-trips.ts
 */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config/load.js';
import { buildContainer } from '../src/container.js';
import { startHttpServer } from '../src/server.js';
import { createLogger } from '../src/shared/logger.js';
import { prepareOurServer } from './lib/setup.js';
import { basicAuth, BENCH_RESOURCES, type Target } from './lib/fixtures.js';
import { fullFlow, silentFlow } from './lib/browser-flow.js';
import { freePort } from './lib/processes.js';

const port = await freePort();
const run = `bench_rt_${randomBytes(3).toString('hex')}`;
const env: Record<string, string> = { DATABASE_POOL_MAX: '10', PORT: String(port), ISSUER: `http://127.0.0.1:${port}`, SERVER_SECRET: randomBytes(32).toString('hex'), DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test', DATABASE_SCHEMA: run, REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: `${run}:`, BCRYPT_COST: '4', LOG_LEVEL: 'warn' };
const fixtures = await prepareOurServer(env);
const { config } = loadConfig(env);
const container = await buildContainer(config, { logger: createLogger('warn') });
const http = await startHttpServer(container, { port, host: '127.0.0.1' });
const queries: string[] = [];
container.db.on('query', (q: { sql: string }) => queries.push(q.sql));
const commands: string[] = [];
const redis = container.redis!;
const orig = redis.sendCommand.bind(redis);
(redis as any).sendCommand = (cmd: any, ...rest: any[]) => { commands.push(cmd.name); return orig(cmd, ...rest); };
const target: Target = { name: 'ours', origin: `http://127.0.0.1:${port}`, machine: fixtures.machine, web: fixtures.web, resources: { es256: BENCH_RESOURCES.es256.ours, rs256: BENCH_RESOURCES.rs256.ours, opaque: BENCH_RESOURCES.opaque.ours } };
const show = (label: string) => { console.log(`\n== ${label}: ${queries.length} SQL, ${commands.length} Redis`); for (const q of queries) console.log('  SQL', q.slice(0, 160)); console.log('  Redis', commands.join(' ')); queries.length = 0; commands.length = 0; };
const cc = async (resource: string) => { const r = await fetch(`${target.origin}/token`, { method: 'POST', headers: { authorization: basicAuth(target.machine), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope: 'read' }) }); return (await r.json()) as any; };
await cc(target.resources.es256); queries.length = 0; commands.length = 0;
await cc(target.resources.es256); show('cc jwt');
await cc(target.resources.opaque); queries.length = 0; commands.length = 0;
const opaque = await cc(target.resources.opaque); show('cc opaque');
const r = await fetch(`${target.origin}/token/introspection`, { method: 'POST', headers: { authorization: basicAuth(target.machine), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: opaque.access_token }) }); await r.text(); show('introspection');
const { browser, tokens } = await fullFlow(target); show('full flow');
const t2 = await silentFlow(target, browser); show('silent flow');
const rr = await fetch(`${target.origin}/token`, { method: 'POST', headers: { authorization: basicAuth(target.web), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: String(t2.refresh_token) }) }); console.log(rr.status); await rr.text(); show('refresh');
await http.drain();
await container.db.raw('drop schema ?? cascade', [run]);
for (let cursor = '0'; ; ) {
  // SCAN ignores the client's key prefix, so match on the full prefixed name and delete without it.
  const [next, keys] = await redis.scan(cursor, 'MATCH', `${run}:*`, 'COUNT', 500);
  if (keys.length) await redis.del(...keys.map((key) => key.slice(`${run}:`.length)));
  cursor = next;
  if (cursor === '0') break;
}
await container.close();

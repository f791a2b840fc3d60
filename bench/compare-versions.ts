/**
 * Compares versions of this server (git worktrees, each with its node_modules) under the same load:
 * each is prepared as `npm run bench` prepares its server, all run side by side, and every round gives
 * each one a pass of the same scenario in alternating order. On a shared machine the servers' CPU time
 * per request is then comparable where req/s is not (docs/benchmarks.md).
 *
 *   node --import tsx bench/compare-versions.ts before=/path/to/worktree after=. [--rounds=6] [--seconds=3]
 *     [--only=cc-jwt-es256,introspection] [--profile=dir] [--nodeopts='…'] [--logs=dir]
 *
 * Prints one line per pass (PASS, tab-separated) and a median per version and scenario on stdout.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BENCH_RESOURCES, type Target } from './lib/fixtures.js';
import { median, runLoad } from './lib/load.js';
import { freePort, startProcess, type ServerProcess } from './lib/processes.js';
import { CC_ES256, INTROSPECTION, type TargetState } from './scenarios.js';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const ROUNDS = Number(opt('rounds', '6'));
const SECONDS = Number(opt('seconds', '3'));
const ONLY = opt('only', 'cc-jwt-es256,introspection').split(',');
const profileDir = opt('profile', '') || undefined;
const nodeOptions = opt('nodeopts', '');
const keepLogs = opt('logs', '');
const roots = argv.filter((a) => !a.startsWith('--')).map((a) => a.split('=')).map(([name, root]) => [name, resolve(root)]);
const log = (m: string) => process.stderr.write(`${m}\n`);
const LIMITS = { TOKEN_REQUESTS_PER_CLIENT_PER_MINUTE: '100000000', API_REQUESTS_PER_CLIENT_PER_MINUTE: '100000000', LOGIN_ATTEMPTS_PER_IP: '100000000', LOGIN_ATTEMPTS_PER_IP_AND_ACCOUNT: '100000000' };

const work = mkdtempSync(join(tmpdir(), 'idp-ab-'));
const servers: { name: string; server: ServerProcess; target: Target; state: TargetState; cleanup: () => Promise<void> }[] = [];
try {
  for (const [name, root] of roots) {
    const port = await freePort();
    const run = `bench_ab_${name}_${randomBytes(3).toString('hex')}`;
    const env: Record<string, string> = { HOST: '127.0.0.1', PORT: String(port), ISSUER: `http://127.0.0.1:${port}`, DATA_DIR: join(work, name), SERVER_SECRET: randomBytes(32).toString('hex'), LOG_LEVEL: 'info', BCRYPT_COST: '12', ...LIMITS, ACCESS_TOKEN_ALG: 'ES256', ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) };
    if (process.env.DATABASE_URL) Object.assign(env, { DATABASE_URL: process.env.DATABASE_URL, DATABASE_SCHEMA: run });
    if (process.env.REDIS_URL) Object.assign(env, { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: `${run}:` });
    const setup = (await import(pathToFileURL(join(root, 'bench/lib/setup.ts')).href)) as typeof import('./lib/setup.js');
    log(`preparing ${name} (${root})`);
    const fixtures = await setup.prepareOurServer(env);
    const server = await startProcess({ name, script: 'src/main.ts', port, env, readyPath: '/readyz', logDir: keepLogs || work, cpuProfileDir: profileDir ? join(profileDir, name) : undefined, cwd: root });
    const target: Target = { name: 'ours', origin: server.origin, machine: fixtures.machine, web: fixtures.web, resources: { es256: BENCH_RESOURCES.es256.ours, rs256: BENCH_RESOURCES.rs256.ours, opaque: BENCH_RESOURCES.opaque.ours } };
    const cleanup = async () => {
      if (process.env.DATABASE_URL) {
        const { default: knex } = await import('knex');
        const db = knex({ client: 'pg', connection: process.env.DATABASE_URL });
        await db.raw(`drop schema if exists "${run}" cascade`);
        await db.destroy();
      }
      if (process.env.REDIS_URL) {
        const { Redis } = await import('ioredis');
        const plain = new Redis(process.env.REDIS_URL);
        let cursor = '0';
        do {
          const [next, keys] = await plain.scan(cursor, 'MATCH', `${run}:*`, 'COUNT', 1000);
          if (keys.length) await plain.del(...keys);
          cursor = next;
        } while (cursor !== '0');
        plain.disconnect();
      }
    };
    servers.push({ name, server, target, state: { refreshTokens: [], connections: 10 }, cleanup });
  }
  for (const scenario of [CC_ES256, INTROSPECTION].filter((s) => ONLY.includes(s.id))) {
    const specs = [];
    for (const s of servers) {
      const spec = await scenario.prepare(s.target, s.state);
      specs.push(spec);
      await runLoad(s.server, { connections: 10, ...spec }, 2);
    }
    const cpu: number[][] = servers.map(() => []);
    const rate: number[][] = servers.map(() => []);
    const total: number[] = servers.map(() => 0);
    for (let round = 0; round < ROUNDS; round += 1) {
      const order = round % 2 === 0 ? servers.map((_, i) => i) : servers.map((_, i) => servers.length - 1 - i);
      const line: string[] = [];
      for (const i of order) {
        const startedAt = Date.now();
        const m = await runLoad(servers[i].server, { connections: 10, ...specs[i] }, SECONDS);
        console.log(`PASS\t${scenario.id}\t${servers[i].name}\t${startedAt}\t${Date.now()}\t${m.requests}\t${m.cpuMsPerRequest}`);
        if (m.errors) log(`  ${servers[i].name}: ${m.errors} errors`);
        cpu[i].push(m.cpuMsPerRequest);
        total[i] += m.requests;
        rate[i].push(m.rate);
        line.push(`${servers[i].name} ${m.cpuMsPerRequest.toFixed(3)} ms ${m.rate.toFixed(0)}/s`);
      }
      log(`  ${scenario.id} round ${round + 1} (load ${loadavg()[0].toFixed(1)}): ${line.join(' | ')}`);
    }
    for (const [i, s] of servers.entries()) {
      console.log(`${scenario.id}\t${s.name}\tCPU ms/req median ${median(cpu[i]).toFixed(3)} [${cpu[i].map((v) => v.toFixed(3)).join(' ')}]\treq/s median ${median(rate[i]).toFixed(0)}\trequests ${total[i]}`);
    }
  }
} finally {
  for (const s of servers) {
    await s.server.stop().catch(() => undefined);
    await s.cleanup().catch((e) => log(String(e)));
  }
  rmSync(work, { recursive: true, force: true });
}

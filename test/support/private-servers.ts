import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Redis and PostgreSQL servers of a test's own, on free ports in temporary folders, so a test can
 * stop, pause and restart them without touching the machine's shared servers.
 *
 * Neither can bind port 0 and report it (port 0 turns Redis's TCP listener off; PostgreSQL needs a
 * port it can name in its socket file), so each is started on a candidate port and the start is
 * retried on another when the bind fails: the server's own bind decides, and a port taken by
 * another program is never mistaken for ours (each start checks that it reached our process).
 * Candidates are drawn below Linux's ephemeral range (32768–60999), where outgoing connections take
 * their ports. A restart reuses the port it had, as a restarted server in production would.
 */
const candidatePort = () => 20_000 + Math.floor(Math.random() * 12_000);
const START_ATTEMPTS = 8;

/** Runs `start(port)` on candidate ports until one binds; `start` throws when its bind failed. */
async function onSomePort<T>(start: (port: number) => Promise<T>): Promise<T> {
  let lastError: unknown;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt += 1) {
    try {
      return await start(candidatePort());
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

/** Whether the Redis answering on `port` is the process `pid` (and not another program's). */
const redisIsProcess = (port: number, pid: number | undefined) =>
  spawnSync(REDIS_SERVER!.replace(/redis-server$/, 'redis-cli'), ['-p', String(port), 'info', 'server'], { encoding: 'utf8', timeout: 5000 }).stdout.includes(`process_id:${pid}\r`);

/** Starts redis-server on `port` and waits until it answers; throws (and leaves nothing running) if it cannot bind. */
async function spawnRedis(port: number, args: string[], options: { cwd?: string } = {}): Promise<ChildProcess> {
  const child = spawn(REDIS_SERVER!, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args], { stdio: 'ignore', ...options });
  try {
    await waitFor(`redis on ${port}`, async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`redis-server on ${port} exited (port taken?)`);
      return (await portAnswers(port)) && redisIsProcess(port, child.pid);
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return child;
}

const POSTGRES_BIN = (() => {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const version = readdirSync(root).sort((a, b) => Number(b) - Number(a)).find((v) => existsSync(join(root, v, 'bin', 'pg_ctl')));
  return version ? join(root, version, 'bin') : undefined;
})();
const REDIS_SERVER = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((path) => existsSync(path));

/** Why private servers cannot be started here, or undefined when they can. */
export const privateRedisMissing = () => (REDIS_SERVER ? undefined : 'redis-server is not installed');
export const privatePostgresMissing = () => (POSTGRES_BIN ? undefined : 'no /usr/lib/postgresql/*/bin/pg_ctl');

/** Polls `check` until it holds, at most `attempts` times, `everyMs` apart (for process start and stop only). */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, attempts = 100, everyMs = 100): Promise<void> {
  for (let i = 0; i < attempts; i += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`gave up waiting for ${what}`);
}

export const portAnswers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

export interface PrivateRedis {
  port: number;
  url: string;
  /** Stops the server (SIGTERM, nothing saved): its data is gone. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  /** Freezes (SIGSTOP) or thaws (SIGCONT) the process: a dependency that accepts but never answers. */
  pause(): void;
  resume(): void;
}

export async function startPrivateRedis(extraArgs: string[] = []): Promise<PrivateRedis> {
  let child = await onSomePort((candidate) => spawnRedis(candidate, extraArgs));
  const port = Number(child.spawnargs[child.spawnargs.indexOf('--port') + 1]);
  const start = async () => {
    child = await spawnRedis(port, extraArgs);
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    async stop() {
      const running = child;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGCONT');
      running.kill('SIGTERM');
      await exited;
    },
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
  };
}

export interface PrivatePostgres {
  port: number;
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its folder. */
  destroy(): Promise<void>;
  /** Freezes (SIGSTOP) or thaws (SIGCONT) the postmaster and every backend: a database that hangs. */
  pause(): void;
  resume(): void;
}

/**
 * initdb + pg_ctl in a temporary folder. Postgres refuses to run as root, so as root it runs as the
 * `postgres` user (runuser), which owns the folder.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  return onSomePort(postgresOn);
}

/** pg_ctl start -w fails when the postmaster cannot bind `port`; the folder is removed then. */
async function postgresOn(port: number): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'idp-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gids = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    chownSync(dir, Number(ids.stdout.trim()), Number(gids.stdout.trim()));
  }
  const run = (tool: string, args: string[]) => {
    const command = asRoot ? 'runuser' : join(POSTGRES_BIN!, tool);
    const argv = asRoot ? ['-u', 'postgres', '--', join(POSTGRES_BIN!, tool), ...args] : args;
    const result = spawnSync(command, argv, { encoding: 'utf8', cwd: dir });
    if (result.status !== 0) throw new Error(`${tool} failed: ${result.stderr || result.stdout}`);
  };
  run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  const start = async () => {
    run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
  };
  const stop = async () => {
    run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '60', 'stop']);
  };
  try {
    await start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const signalAll = (signal: NodeJS.Signals) => {
    const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = spawnSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
    for (const pid of [postmaster, ...children]) process.kill(pid, signal);
  };
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    pause: () => signalAll('SIGSTOP'),
    resume: () => signalAll('SIGCONT'),
    start,
    stop,
    async destroy() {
      try {
        await stop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PrivateRedisCluster {
  ports: number[];
  stop(): Promise<void>;
}

/**
 * Three redis-server processes in cluster mode (masters only), joined with `redis-cli --cluster
 * create`, each in its own temporary folder for its nodes.conf.
 */
export async function startPrivateRedisCluster(): Promise<PrivateRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'idp-cluster-'));
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  const stop = async () => {
    await Promise.all(
      children.map((child) => {
        if (child.exitCode !== null) return undefined;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        return exited;
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let node = 0; node < 3; node += 1) {
      const child = await onSomePort((port) =>
        spawnRedis(port, ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000'], { cwd: dir }),
      );
      children.push(child);
      ports.push(Number(child.spawnargs[child.spawnargs.indexOf('--port') + 1]));
    }
    const cli = REDIS_SERVER!.replace(/redis-server$/, 'redis-cli');
    const created = spawnSync(cli, ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    await waitFor('cluster_state:ok', () =>
      ports.every((port) => spawnSync(cli, ['-p', String(port), 'cluster', 'info'], { encoding: 'utf8' }).stdout.includes('cluster_state:ok')),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { ports, stop };
}

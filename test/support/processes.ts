import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `idp` exactly as an operator would: a separate process, reading the environment. */
export function runCli(args: string[], env: Record<string, string | undefined>, stdin?: string): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/idp.js', ...args], { cwd: ROOT, env: { ...cleanEnv(), ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

export interface ServerProcess {
  port: number;
  issuer: string;
  child: ChildProcess;
  output(): string;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `npm start`'s command as its own process and waits until it listens. It binds port 0 (the
 * system picks a free port, no race with other programs) and names its port in its "listening" line.
 */
export async function startServerProcess(env: Record<string, string | undefined>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    // PASSKEY_OFFER_DAYS=0: the offer after sign-in is an extra page in every flow (server.ts baseTestEnv says the same).
    env: { ...cleanEnv(), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', BCRYPT_COST: '4', PASSKEY_OFFER_DAYS: '0', ...env },
  });
  let output = '';
  let port = 0;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      // The whole line (up to its newline): a chunk may end mid-line.
      const listening = /^(\{.*"msg":"identity provider listening on .*)\n/m.exec(output);
      if (listening) {
        port = (JSON.parse(listening[1]) as { port: number }).port;
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => reject(new Error(`server exited with ${code} before listening:\n${output}`)));
  });
  return {
    port,
    issuer: env.ISSUER ?? `http://localhost:${port}`,
    child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** The parent's environment without the store URLs, so each test says which mode it wants. */
function cleanEnv(): NodeJS.ProcessEnv {
  const { DATABASE_URL: _d, REDIS_URL: _r, DATABASE_SCHEMA: _s, ...rest } = process.env;
  return rest;
}

export interface LongRunningCli {
  child: ChildProcess;
  output(): string;
  /** Resolves once standard output matches. */
  waitFor(pattern: RegExp): Promise<string>;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts an `idp` command that keeps running (`events tail`), to be stopped with a signal. */
export function spawnCli(args: string[], env: Record<string, string | undefined>): LongRunningCli {
  const child = spawn(process.execPath, ['bin/idp.js', ...args], { cwd: ROOT, env: { ...cleanEnv(), ...env } });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve(value: string): void }[] = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const waiter of waiters.filter((w) => w.pattern.test(stdout))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(stdout);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => stdout,
    waitFor(pattern) {
      if (pattern.test(stdout)) return Promise.resolve(stdout);
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        void exited.then((code) => reject(new Error(`exited with ${code} before ${pattern}:\n${stdout}\n${stderr}`)));
      });
    },
    async stop(signal = 'SIGINT') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

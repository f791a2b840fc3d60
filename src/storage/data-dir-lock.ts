import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface DataDirLock {
  release(): void;
}

export class DataDirBusyError extends Error {
  constructor(readonly holderPid: number, readonly holderRole: string) {
    super(`the data folder is open in process ${holderPid} (${holderRole})`);
  }
}

/**
 * PGlite is one process, one connection: two processes opening the same folder corrupt it.
 * This lock file records who holds the folder; a lock left by a dead process is taken over.
 */
export function acquireDataDirLock(dataDir: string, role: 'server' | 'cli'): DataDirLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, 'pglite.lock');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, JSON.stringify({ pid: process.pid, role }));
      closeSync(fd);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readLockHolder(path);
      if (holder && isAlive(holder.pid)) throw new DataDirBusyError(holder.pid, holder.role);
      rmSync(path, { force: true });
    }
  }
  throw new Error(`could not lock ${path}`);
}

export function readLockHolder(path: string): { pid: number; role: string } | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown; role?: unknown };
    return typeof parsed.pid === 'number' ? { pid: parsed.pid, role: String(parsed.role) } : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export interface GeneratedSecret {
  secrets: string[];
  /** True when this call created the file, so the caller can warn about it once. */
  created: boolean;
  path: string;
}

/**
 * Embedded mode only: keeps one generated server secret in the data folder, readable by the owner alone.
 * Production sets SERVER_SECRET so that every instance shares it.
 */
export function loadOrCreateEmbeddedSecret(dataDir: string): GeneratedSecret {
  const path = join(dataDir, 'server-secret');
  if (existsSync(path)) {
    const secret = readFileSync(path, 'utf8').trim();
    if (secret.length < 32) throw new Error(`${path} holds a secret shorter than 32 characters; remove it or set SERVER_SECRET`);
    return { secrets: [secret], created: false, path };
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return { secrets: [secret], created: true, path };
}

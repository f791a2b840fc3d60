import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Container } from '../container.js';
import { runCommand } from './run.js';

export const CONTROL_SOCKET_NAME = 'idp.sock';
const MAX_REQUEST_BYTES = 1024 * 1024;

/** What commands run through the socket may use: the server's own services, and what only a running server has. */
export function controlSocketContext(container: Container) {
  return {
    ...container,
    afterKeyRotation: () => container.providers.refreshKeys(),
    endSessions: (accountId: string, reason: string) => container.sessionIndex.revokeSessions(container.providers.current(), accountId, undefined, reason),
  };
}

/**
 * In embedded mode PGlite belongs to the server process alone, so while the server runs the CLI
 * sends its commands here: a Unix socket in the data folder, readable and writable by the owner
 * only, which runs them against the server's own database connection.
 */
export async function startControlSocket(container: Container): Promise<{ close(): Promise<void> }> {
  const path = join(container.config.dataDir, CONTROL_SOCKET_NAME);
  rmSync(path, { force: true });
  const context = controlSocketContext(container);
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_REQUEST_BYTES) {
        res.writeHead(413).end();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    let body: { argv?: unknown; stdin?: unknown };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400).end();
      return;
    }
    const argv = Array.isArray(body.argv) ? body.argv.map(String) : [];
    const result = await runCommand(context, argv, typeof body.stdin === 'string' ? body.stdin : undefined);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
  });
  const previousMask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
  } finally {
    process.umask(previousMask);
  }
  chmodSync(path, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        rmSync(path, { force: true });
      }),
  };
}

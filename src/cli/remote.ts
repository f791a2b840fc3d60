import { request } from 'node:http';
import type { CommandResult } from './run.js';

/** Sends a command to a running embedded server through its control socket. */
export function runRemote(socketPath: string, argv: string[], stdin?: string): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/command', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`the server refused the command (HTTP ${res.statusCode})`));
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as CommandResult);
        } catch (error) {
          reject(error as Error);
        }
      });
    });
    req.on('error', reject);
    req.end(JSON.stringify({ argv, stdin }));
  });
}

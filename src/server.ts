import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApp } from './app.js';
import type { Container } from './container.js';

export interface RunningServer {
  server: Server;
  port: number;
  /** Stops taking requests, lets in-flight ones finish (up to the deadline), then resolves. */
  drain(): Promise<void>;
}

/**
 * Listens for HTTP. On drain, readiness turns 503 at once so a load balancer stops sending traffic,
 * the listener closes, idle keep-alive connections are closed, and busy ones get until
 * SHUTDOWN_TIMEOUT_MS to finish before they are cut.
 */
export async function startHttpServer(container: Container, listen: { port: number; host: string }): Promise<RunningServer> {
  let accepting = true;
  const app = buildApp(container, { accepting: () => accepting });
  const server = createServer(app.callback());
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    server,
    port,
    async drain() {
      accepting = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = setTimeout(() => server.closeAllConnections(), container.config.shutdownTimeoutMs);
      deadline.unref();
      await closed;
      clearTimeout(deadline);
    },
  };
}

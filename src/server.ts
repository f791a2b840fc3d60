import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApp } from './app.js';
import type { Container } from './container.js';
import type { Metrics } from './metrics/registry.js';

export interface RunningServer {
  server: Server;
  port: number;
  /** Stops taking requests, lets in-flight ones finish (up to the deadline), then resolves. */
  drain(): Promise<void>;
  /** Cuts the drain delay short (a second signal): the listener closes now. */
  endDrainDelay(): void;
}

/**
 * Listens for HTTP. On drain:
 * 1. readiness turns 503 at once so a load balancer stops sending traffic, and every response from
 *    then on says `Connection: close`, so keep-alive clients reconnect elsewhere;
 * 2. for SHUTDOWN_DRAIN_DELAY_MS the instance still serves whatever the balancer sends before it
 *    notices (a second signal ends this delay early);
 * 3. the listener closes, idle keep-alive connections are closed, and busy ones get until
 *    SHUTDOWN_TIMEOUT_MS to finish before they are cut.
 */
export async function startHttpServer(container: Container, listen: { port: number; host: string } | { listening: Server }): Promise<RunningServer> {
  let accepting = true;
  const app = buildApp(container, { accepting: () => accepting });
  const handle = app.callback();
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    if (!accepting) res.setHeader('Connection', 'close');
    void handle(req, res);
  };
  // A listener bound beforehand (tests bind port 0 first, since the issuer must name the port).
  const server = 'listening' in listen ? listen.listening.on('request', onRequest) : createServer(onRequest);
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  if (!('listening' in listen)) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listen.port, listen.host, () => resolve());
    });
  }
  const port = (server.address() as AddressInfo).port;
  let delayEnded = false;
  let endDelay = () => {
    delayEnded = true;
  };

  return {
    server,
    port,
    async drain() {
      accepting = false;
      const delay = container.config.shutdownDrainDelayMs;
      if (delay > 0 && !delayEnded) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          endDelay = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      container.logger.info('drain delay over: closing the listener');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = setTimeout(() => server.closeAllConnections(), container.config.shutdownTimeoutMs);
      deadline.unref();
      await closed;
      clearTimeout(deadline);
    },
    endDrainDelay: () => endDelay(),
  };
}

/**
 * An HTTP listener bound before the app is built (port 0: any free port), so the issuer can name the
 * port. Connections wait in the backlog until startHttpServer attaches the app.
 */
export async function bindListener(port: number, host: string): Promise<Server> {
  const listener = createServer();
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(port, host, () => resolve());
  });
  return listener;
}

export const boundPort = (listener: Server) => (listener.address() as AddressInfo).port;

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Serves GET /metrics (Prometheus text format) on a listener of its own (METRICS_PORT, bound to
 * METRICS_HOST, loopback by default), so the public port never exposes it. It keeps answering while
 * the main listener drains, so the last scrape sees the shutdown.
 */
export async function startMetricsServer(metrics: Metrics, listen: { port: number; host: string }): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('could not collect metrics\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

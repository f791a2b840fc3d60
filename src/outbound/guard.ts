import { promises as dns, type LookupAddress } from 'node:dns';
import { isIP, type Socket } from 'node:net';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';
import { createDestinationPolicy, normalizeAddress } from './destination-policy.js';

/** Resolves a host name to its addresses (dns.lookup by default; tests hand in their own). */
export type Resolver = (hostname: string) => Promise<string[]>;

/** A request this server will not send: a non-public destination, or http where https is required. */
export class DestinationRefusedError extends Error {
  readonly code = 'DESTINATION_REFUSED';
}

/** Whether `error`, or the cause fetch wrapped it in, is a refusal by the outbound guard. */
export function isDestinationRefused(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) if (current instanceof DestinationRefusedError) return true;
  return false;
}

const systemResolver: Resolver = async (hostname) => (await dns.lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);
const bare = (host: string) => host.replace(/^\[|\]$/g, '');
const REFUSED = 'is not a public address (loopback, private, link-local, unique-local or another special-purpose range); list it in OUTBOUND_ALLOWED_HOSTS to allow it';

export interface OutboundGuardOptions {
  /** OUTBOUND_ALLOWED_HOSTS: addresses, CIDR ranges and host names that may be reached although not public. */
  allowList: readonly string[];
  /** The issuer is https: then every outbound request must be too. */
  requireHttps: boolean;
  resolve?: Resolver;
}

/**
 * The one way this server sends HTTP to a destination an operator registered. The destination is
 * checked when it is registered, and again on every connection: the addresses come from the guard's
 * own DNS lookup, which is the one the socket dials (no rebinding between check and use), and the
 * socket's remote address is checked once more after connecting.
 */
export function createOutboundGuard(options: OutboundGuardOptions) {
  const policy = createDestinationPolicy(options.allowList);
  const resolve = options.resolve ?? systemResolver;

  function schemeProblem(url: URL | undefined): string | undefined {
    if (!url) return 'must be an absolute URL';
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
    if (options.requireHttps && url.protocol !== 'https:') return 'must be https, as the issuer is';
    return undefined;
  }

  /** Resolves and checks `hostname`: every address must be allowed (a mixed answer is refused whole). */
  async function allowedAddresses(hostname: string): Promise<string[]> {
    const addresses = isIP(bare(hostname)) ? [bare(hostname)] : await resolve(hostname);
    if (addresses.length === 0) throw Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' });
    if (!addresses.every((address) => policy.allows(hostname, address))) throw new DestinationRefusedError(`${hostname} ${REFUSED}`);
    return addresses;
  }

  // net.connect's lookup: the same resolution decides and connects.
  function lookup(hostname: string, lookupOptions: { all?: boolean; family?: number | string }, callback: (...args: unknown[]) => void) {
    allowedAddresses(hostname).then(
      (addresses) => {
        const wanted = lookupOptions.family === 6 || lookupOptions.family === 'IPv6' ? 6 : lookupOptions.family === 4 || lookupOptions.family === 'IPv4' ? 4 : 0;
        const entries: LookupAddress[] = addresses.map((address) => ({ address, family: isIP(address) })).filter((entry) => !wanted || entry.family === wanted);
        if (entries.length === 0) return callback(Object.assign(new Error(`no IPv${wanted} address for ${hostname}`), { code: 'ENOTFOUND' }));
        if (lookupOptions.all) return callback(null, entries);
        return callback(null, entries[0].address, entries[0].family);
      },
      (error) => callback(error),
    );
  }

  const connectSocket = buildConnector({ lookup } as unknown as buildConnector.BuildOptions);
  const agent = new Agent({
    connect(connectOptions, callback) {
      const host = connectOptions.hostname;
      // An IP literal never goes through lookup: check it before dialling.
      if (isIP(bare(host)) && !policy.allows(host, bare(host))) return callback(new DestinationRefusedError(`${host} ${REFUSED}`), null);
      connectSocket(connectOptions, (error, socket) => {
        if (error) return callback(error, null);
        // Belt and braces: the address actually connected to.
        const remote = (socket as Socket).remoteAddress;
        if (!remote || !normalizeAddress(remote) || !policy.allows(host, remote)) {
          socket!.destroy();
          return callback(new DestinationRefusedError(`${host} ${REFUSED}`), null);
        }
        return callback(null, socket!);
      });
    },
  });

  return {
    /**
     * Why `value` may not be registered as a destination, or undefined if it may: the scheme, and
     * the addresses its host resolves to now. A host that does not resolve yet is accepted; every
     * connection is checked again anyway.
     */
    async problemWith(value: string): Promise<string | undefined> {
      const url = URL.parse(value) ?? undefined;
      const scheme = schemeProblem(url);
      if (scheme) return scheme;
      try {
        await allowedAddresses(url!.hostname);
      } catch (error) {
        if (error instanceof DestinationRefusedError) return `${url!.hostname} ${REFUSED}`;
      }
      return undefined;
    },

    /** Only the scheme rule (for URLs this server never fetches itself, such as a browser redirect). */
    schemeProblem: (value: string) => schemeProblem(URL.parse(value) ?? undefined),

    /** fetch() through the guard. A refused destination rejects with DestinationRefusedError (or a cause of it). */
    async fetch(input: string | URL, init: RequestInit = {}): Promise<Response> {
      const url = new URL(String(input));
      const scheme = schemeProblem(url);
      if (scheme) throw new DestinationRefusedError(`${url.origin} ${scheme}`);
      return (await undiciFetch(url, { ...(init as object), dispatcher: agent })) as unknown as Response;
    },

    close: () => agent.close(),
  };
}

export type OutboundGuard = ReturnType<typeof createOutboundGuard>;

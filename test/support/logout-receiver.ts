import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';

const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

export interface ReceivedLogout {
  /** The verified claims, or undefined when the token was refused (and why). */
  claims?: JWTPayload & { sid?: string; events?: Record<string, unknown> };
  refused?: string;
  answered: number;
}

export interface LogoutReceiver {
  url: string;
  received: ReceivedLogout[];
  /** This relying party's own sessions: sid → account; a valid logout token ends the matching ones. */
  sessions: Map<string, string>;
  /** Resolves once `count` requests have arrived. */
  waitFor(count: number): Promise<ReceivedLogout[]>;
  /** While down, every request is answered 503 (the relying party is unavailable). */
  down: boolean;
  /** While set, requests are held unanswered until it resolves (a slow relying party); `arrived` counts them. */
  hold?: Promise<void>;
  arrived: number;
  close(): Promise<void>;
}

/**
 * A relying party's back-channel logout endpoint (OIDC Back-Channel Logout 1.0 §2.6): it verifies
 * the logout token against the provider's JWKS (signature, iss, aud, typ logout+jwt, the logout
 * event, sub or sid, no nonce), ends its own sessions for it, and answers 200 — or 400 when the token
 * does not check out. `seen` refuses a jti it has already processed (replay).
 */
export async function startLogoutReceiver(options: { issuer: string; clientId: () => string }): Promise<LogoutReceiver> {
  const discovery = (await (await fetch(`${options.issuer}/.well-known/openid-configuration`)).json()) as { jwks_uri: string };
  const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
  const received: ReceivedLogout[] = [];
  const sessions = new Map<string, string>();
  const seen = new Set<string>();
  const waiters: { count: number; resolve(value: ReceivedLogout[]): void }[] = [];
  const state: { down: boolean; hold?: Promise<void>; arrived: number } = { down: false, arrived: 0 };

  async function check(body: string): Promise<ReceivedLogout['claims']> {
    const token = new URLSearchParams(body).get('logout_token');
    if (!token) throw new Error('no logout_token');
    const { payload } = await jwtVerify(token, jwks, { issuer: options.issuer, audience: options.clientId(), typ: 'logout+jwt', requiredClaims: ['iat', 'exp', 'jti'] });
    const claims = payload as NonNullable<ReceivedLogout['claims']>;
    if (!claims.events || typeof claims.events[BACKCHANNEL_LOGOUT_EVENT] !== 'object') throw new Error('no back-channel logout event');
    if (!claims.sub && !claims.sid) throw new Error('neither sub nor sid');
    if ('nonce' in claims) throw new Error('a logout token must not carry a nonce');
    if (seen.has(claims.jti!)) throw new Error('replayed jti');
    seen.add(claims.jti!);
    return claims;
  }

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    state.arrived += 1;
    if (state.hold) await state.hold;
    let entry: ReceivedLogout;
    if (state.down) {
      entry = { refused: 'down', answered: 503 };
    } else {
      try {
        const claims = await check(Buffer.concat(chunks).toString('utf8'));
        // End this relying party's own sessions: the one named by sid, or all of the account's.
        for (const [sid, account] of sessions) if (sid === claims!.sid || (!claims!.sid && account === claims!.sub)) sessions.delete(sid);
        entry = { claims, answered: 200 };
      } catch (error) {
        entry = { refused: (error as Error).message, answered: 400 };
      }
    }
    received.push(entry);
    res.writeHead(entry.answered, { 'cache-control': 'no-store' }).end();
    for (const waiter of waiters.filter((w) => received.length >= w.count)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(received);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/backchannel-logout`,
    received,
    sessions,
    waitFor: (count) => (received.length >= count ? Promise.resolve(received) : new Promise((resolve) => waiters.push({ count, resolve }))),
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
    get hold() {
      return state.hold;
    },
    set hold(value: Promise<void> | undefined) {
      state.hold = value;
    },
    get arrived() {
      return state.arrived;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

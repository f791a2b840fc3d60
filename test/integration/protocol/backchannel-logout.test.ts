import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildContainer } from '../../../src/container.js';
import type { CliContext } from '../../../src/cli/context.js';
import { controlSocketContext } from '../../../src/cli/control-socket.js';
import { runCommand } from '../../../src/cli/run.js';
import { createClientQueries } from '../../../src/clients/queries.js';
import { createClientService } from '../../../src/clients/service.js';
import { createOutboundGuard } from '../../../src/outbound/guard.js';
import { retryDelayMs } from '../../../src/audit/delivery-queue.js';
import { bootstrapAdmin, type ApiClient } from '../../support/admin.js';
import { signInToAccount, submit } from '../../support/accounts.js';
import { startLogoutReceiver, type LogoutReceiver } from '../../support/logout-receiver.js';
import { ManualClock } from '../../support/manual-clock.js';
import { exchangeCode, registerClient, signIn, type RegisteredClient } from '../../support/relying-party.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { UserAgent } from '../../support/user-agent.js';

const PASSWORD = 'correct horse battery staple';
const V1 = '/admin/api/v1';

/**
 * OpenID Connect Back-Channel Logout 1.0: every way a session ends queues a logout token for exactly
 * the relying parties of that session (or account), which a receiving relying party verifies against
 * the provider's JWKS and acts on. The server's background worker is not started here: deliveries
 * are sent by `deliverDue()`, so "queued, not yet sent" is observable after each sign-out.
 */
describe('back-channel logout', () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let admin: ApiClient;
  let appA: RegisteredClient;
  let appB: RegisteredClient;
  let rpA: LogoutReceiver;
  let rpB: LogoutReceiver;
  let people = 0;

  /** A relying party with a registered back-channel logout URI that requires sid. */
  async function relyingParty(): Promise<[RegisteredClient, LogoutReceiver]> {
    let clientId = '';
    const receiver = await startLogoutReceiver({ issuer: server.issuer, clientId: () => clientId });
    const client = await registerClient(server.issuer, server.container);
    clientId = client.clientId;
    await server.container.clients.updateClient(clientId, { backchannelLogoutUri: receiver.url, backchannelLogoutSessionRequired: true });
    return [client, receiver];
  }

  async function person() {
    people += 1;
    const email = `person${people}@example.com`;
    const account = await server.container.accounts.createAccount({ email, password: PASSWORD, emailVerified: true });
    return { id: account.id, email, password: PASSWORD };
  }

  /** Signs in to the relying party, which opens its own session under the ID token's sid. */
  async function signInAt(client: RegisteredClient, receiver: LogoutReceiver, who: { email: string; password: string }, agent?: UserAgent) {
    const { start, callback, agent: used } = await signIn(client, who, {}, agent);
    const claims = (await exchangeCode(client, start, callback.url)).claims()!;
    expect(claims.sid).toEqual(expect.any(String));
    receiver.sessions.set(claims.sid as string, claims.sub);
    return { agent: used, sid: claims.sid as string, sub: claims.sub };
  }

  const pending = (accountId: string) => server.container.db('backchannel_logout_deliveries').where({ account_id: accountId, status: 'pending' }).orderBy('id');
  const deliver = () => server.container.logouts.deliverDue();

  beforeAll(async () => {
    server = await startTestServer({ clock });
    admin = await bootstrapAdmin(server);
    [appA, rpA] = await relyingParty();
    [appB, rpB] = await relyingParty();
  });
  afterAll(async () => {
    await rpA.close();
    await rpB.close();
    await server.close();
  });

  it('is advertised in discovery, truthfully', async () => {
    const discovery = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({ backchannel_logout_supported: true, backchannel_logout_session_supported: true });
  });

  it('RP-initiated logout answers first and queues a token for each app of that session only; each verifies and ends its own session', async () => {
    const alice = await person();
    const bob = await person();
    const atA = await signInAt(appA, rpA, alice);
    const atB = await signInAt(appB, rpB, alice, atA.agent);
    const bobAtA = await signInAt(appA, rpA, bob);
    const before = { a: rpA.received.length, b: rpB.received.length };

    const confirmation = await atA.agent.request(`${server.issuer}/session/end`);
    const done = await atA.agent.request(UserAgent.action(confirmation, '/session/end/confirm'), { form: { xsrf: UserAgent.field(confirmation, 'xsrf'), logout: 'yes' } });
    // Order: the sign-out has answered, and nothing has been sent yet; the tokens wait in the queue.
    expect(done.status).toBe(200);
    expect({ a: rpA.received.length, b: rpB.received.length }).toEqual(before);
    expect((await pending(alice.id)).map((row) => [row.client_id, row.sid, row.reason]).sort()).toEqual(
      [[appA.clientId, atA.sid, 'signed_out'], [appB.clientId, atB.sid, 'signed_out']].sort(),
    );
    expect(await pending(bob.id)).toEqual([]);

    expect((await deliver()).map((o) => o.result)).toEqual(['delivered', 'delivered']);
    const [tokenA] = rpA.received.slice(before.a);
    const [tokenB] = rpB.received.slice(before.b);
    expect(tokenA).toMatchObject({ answered: 200, claims: { iss: server.issuer, aud: appA.clientId, sub: alice.id, sid: atA.sid } });
    expect(tokenB).toMatchObject({ answered: 200, claims: { aud: appB.clientId, sub: alice.id, sid: atB.sid } });
    expect(tokenA.claims).not.toHaveProperty('nonce');
    expect(rpA.sessions.has(atA.sid)).toBe(false);
    expect(rpB.sessions.has(atB.sid)).toBe(false);
    expect(rpA.sessions.get(bobAtA.sid)).toBe(bob.id);
    const events = await server.container.db('events').where({ type: 'backchannel_logout.delivered', account_id: alice.id });
    expect(events.map((event) => event.client_id).sort()).toEqual([appA.clientId, appB.clientId].sort());
  });

  it('an admin ending the sessions, or disabling the account, logs its apps out, and no other account', async () => {
    const carol = await person();
    const dave = await person();
    const atA = await signInAt(appA, rpA, carol);
    const daveAtA = await signInAt(appA, rpA, dave);
    expect((await admin.call('DELETE', `${V1}/accounts/${carol.id}/sessions`)).status).toBe(204);
    expect((await pending(carol.id)).map((row) => [row.client_id, row.sid, row.reason])).toEqual([[appA.clientId, atA.sid, 'sessions_revoked']]);
    expect(await pending(dave.id)).toEqual([]);
    await deliver();
    expect(rpA.sessions.has(atA.sid)).toBe(false);
    expect(rpA.sessions.has(daveAtA.sid)).toBe(true);

    const again = await signInAt(appB, rpB, carol);
    expect((await admin.call('PATCH', `${V1}/accounts/${carol.id}`, { status: 'disabled' })).status).toBe(200);
    expect((await pending(carol.id)).map((row) => [row.client_id, row.sid, row.reason])).toEqual([[appB.clientId, again.sid, 'account_disabled']]);
    await deliver();
    expect(rpB.sessions.has(again.sid)).toBe(false);
    expect(await pending(dave.id)).toEqual([]);
  });

  it('the account page: ending a session, changing the password with "sign out others", and removing one app\'s access', async () => {
    const erin = await person();
    // Session 1: the account page and app A; session 2 (another browser): apps A and B.
    const page = await signInToAccount(new UserAgent(), server.issuer, erin);
    const laptop = await signInAt(appA, rpA, erin);
    const phone = await signInAt(appA, rpA, erin);
    await signInAt(appB, rpB, erin, phone.agent);
    const account = await signInToAccount(laptop.agent, server.issuer, erin);

    // Removing app B's access (from the laptop) sends B a token for the phone's session, and A nothing.
    const grants = await server.container.sessionIndex.listGrants(server.container.providers.current(), erin.id);
    const grantIdB = grants.find((grant) => grant.clientId === appB.clientId)!.grantId;
    const removed = await submit(laptop.agent, account, `/account/applications/${grantIdB}/revoke`);
    expect(removed.url).toBe(`${server.issuer}/account?done=app-revoked`);
    expect((await pending(erin.id)).map((row) => [row.client_id, row.reason])).toEqual([[appB.clientId, 'grant_revoked']]);
    await deliver();

    // Signing out the phone's session from the laptop sends A (and only A now) a token for it.
    const sessions = await server.container.sessionIndex.listSessions(server.container.providers.current(), erin.id);
    const phoneSession = sessions.find((session) => session.clientIds.includes(appB.clientId))!;
    const refreshed = await laptop.agent.request(`${server.issuer}/account`);
    await submit(laptop.agent, refreshed, `/account/sessions/${phoneSession.uid}/revoke`);
    expect((await pending(erin.id)).map((row) => [row.client_id, row.sid, row.reason]).sort()).toEqual(
      [[appA.clientId, phone.sid, 'session_revoked'], [appB.clientId, expect.any(String), 'session_revoked']].sort(),
    );
    await deliver();
    expect(rpA.sessions.has(phone.sid)).toBe(false);
    expect(rpA.sessions.has(laptop.sid)).toBe(true);

    // A password change that signs out the other sessions: A hears of the tablet's session, not of the laptop's (the current one).
    const tablet = await signInAt(appA, rpA, erin);
    const form = await laptop.agent.request(`${server.issuer}/account/password`);
    await submit(laptop.agent, form, '/account/password', { current: PASSWORD, password: 'a whole new passphrase 42', sign_out_others: 'yes' });
    expect((await pending(erin.id)).map((row) => [row.client_id, row.sid, row.reason])).toEqual([[appA.clientId, tablet.sid, 'password_changed']]);
    await deliver();
    expect(rpA.sessions.has(tablet.sid)).toBe(false);
    expect(rpA.sessions.has(laptop.sid)).toBe(true);
    expect(page.status).toBe(200);
  });

  it('a password reset logs out the apps of every session of that account only', async () => {
    const jo = await person();
    const kim = await person();
    const atA = await signInAt(appA, rpA, jo);
    const atB = await signInAt(appB, rpB, jo);
    const kimAtA = await signInAt(appA, rpA, kim);
    const account = (await server.container.accounts.findById(jo.id))!;
    const token = await server.container.accountTokens.issue({ account, purpose: 'reset_password', email: jo.email, ttlSeconds: 600 });
    await server.container.recovery.completeReset(token, 'a brand new passphrase 77', { origin: {} });
    expect((await pending(jo.id)).map((row) => [row.client_id, row.sid, row.reason]).sort()).toEqual(
      [[appA.clientId, atA.sid, 'password_reset'], [appB.clientId, atB.sid, 'password_reset']].sort(),
    );
    expect(await pending(kim.id)).toEqual([]);
    await deliver();
    expect(rpA.sessions.has(atA.sid)).toBe(false);
    expect(rpB.sessions.has(atB.sid)).toBe(false);
    expect(rpA.sessions.has(kimAtA.sid)).toBe(true);
  });

  it('the CLI: registers the URI, ends sessions and disables through the running server, lists and resends deliveries', async () => {
    const idp = async (line: string[], context: CliContext = controlSocketContext(server.container)) => {
      const result = await runCommand(context, [...line, '--json']);
      return { ...result, data: result.stdout ? JSON.parse(result.stdout) : undefined };
    };
    const [appC, rpC] = await relyingParty();
    try {
      const updated = await idp(['client', 'update', appC.clientId, '--backchannel-logout-uri', `${rpC.url}?via=cli`, '--no-backchannel-logout-session-required']);
      expect(updated.data).toMatchObject({ backchannel_logout_uri: `${rpC.url}?via=cli`, backchannel_logout_session_required: false });
      expect((await idp(['client', 'update', appC.clientId, '--backchannel-logout-uri', 'http://127.0.0.1:9/x#frag'])).exitCode).toBe(1);
      await idp(['client', 'update', appC.clientId, '--backchannel-logout-uri', rpC.url, '--backchannel-logout-session-required']);

      const lee = await person();
      const atC = await signInAt(appC, rpC, lee);
      // Stand-alone (no running server to reach the sessions), sign-out says where to go instead.
      expect((await idp(['user', 'sign-out', lee.email], { ...server.container })).exitCode).toBe(2);
      expect((await idp(['user', 'sign-out', lee.email])).data).toMatchObject({ id: lee.id, sessions_ended: 1 });
      expect((await pending(lee.id)).map((row) => [row.client_id, row.sid, row.reason])).toEqual([[appC.clientId, atC.sid, 'sessions_revoked']]);
      await deliver();
      expect(rpC.sessions.has(atC.sid)).toBe(false);

      const again = await signInAt(appC, rpC, lee);
      await idp(['user', 'disable', lee.email]);
      expect((await pending(lee.id)).map((row) => [row.sid, row.reason])).toEqual([[again.sid, 'account_disabled']]);
      await deliver();

      const listed = await idp(['backchannel', 'deliveries', '--client', appC.clientId]);
      expect(listed.data.map((row: { reason: string; status: string }) => [row.reason, row.status])).toEqual([['account_disabled', 'delivered'], ['sessions_revoked', 'delivered']]);
      expect(listed.data[0]).not.toHaveProperty('jti');
      expect((await idp(['backchannel', 'deliveries', '--account', lee.id, '--failed'])).data).toEqual([]);
      const resent = await idp(['backchannel', 'redeliver', listed.data[0].id]);
      expect(resent.data).toMatchObject({ id: listed.data[0].id, status: 'pending', attempts: 0 });
      expect((await idp(['backchannel', 'redeliver', listed.data[0].id])).exitCode).not.toBe(0);
      expect((await idp(['backchannel', 'redeliver', '99999999999999999999'])).exitCode).not.toBe(0);
      // The same jti again: a receiver that remembers it refuses the replay (and the row records that answer).
      expect((await deliver()).map((o) => [o.result, o.status])).toEqual([['retrying', 400]]);
      expect(rpC.received.at(-1)).toMatchObject({ answered: 400, refused: 'replayed jti' });
      expect(await server.container.db('events').where({ type: 'backchannel_logout.redelivered', client_id: appC.clientId })).toHaveLength(1);
      // Deleting the client drops what is still queued for it.
      await server.container.clients.deleteClient(appC.clientId);
      expect(await server.container.db('backchannel_logout_deliveries').where({ client_id: appC.clientId })).toEqual([]);
    } finally {
      await rpC.close();
    }
  });

  it('deleting the account logs out every app of its sessions, and an app with access but no session by sub', async () => {
    const frank = await person();
    const atA = await signInAt(appA, rpA, frank);
    const atB = await signInAt(appB, rpB, frank);
    // The session with B ends first: B keeps only its grant (and its own session).
    await server.container.sessionIndex.revokeSessions(server.container.providers.current(), frank.id, undefined, 'test');
    await deliver();
    rpB.sessions.set(atB.sid, frank.id);
    const again = await signInAt(appA, rpA, frank);
    await server.container.erasure.eraseAccount(frank.id, { type: 'system', id: 'test' });
    const rows = await pending(frank.id);
    expect(rows.map((row) => [row.client_id, row.sid, row.reason]).sort()).toEqual(
      [[appA.clientId, again.sid, 'account_deleted'], [appB.clientId, null, 'account_deleted']].sort(),
    );
    await deliver();
    expect(rpA.sessions.has(again.sid)).toBe(false);
    expect(rpA.sessions.has(atA.sid)).toBe(false);
    // A sub-only token ends every session the relying party holds for the account.
    expect(rpB.sessions.has(atB.sid)).toBe(false);
    expect(rpB.received.at(-1)!.claims).toMatchObject({ sub: frank.id });
    expect(rpB.received.at(-1)!.claims).not.toHaveProperty('sid');
  });

  it('retries a receiver that is down with exponential backoff by the injected clock, then delivers', async () => {
    const gina = await person();
    const atA = await signInAt(appA, rpA, gina);
    rpA.down = true;
    await server.container.sessionIndex.revokeSessions(server.container.providers.current(), gina.id, undefined, 'sessions_revoked');
    expect((await deliver()).map((o) => o.result)).toEqual(['retrying']);
    for (const attempt of [1, 2]) {
      clock.advance(retryDelayMs(attempt) / 1000 - 1);
      expect(await deliver()).toEqual([]);
      clock.advance(1);
      expect((await deliver()).map((o) => o.result)).toEqual(['retrying']);
    }
    rpA.down = false;
    clock.advance(retryDelayMs(3) / 1000);
    expect((await deliver()).map((o) => o.result)).toEqual(['delivered']);
    expect(rpA.sessions.has(atA.sid)).toBe(false);
    const rows = await server.container.db('backchannel_logout_deliveries').where({ account_id: gina.id });
    expect(rows).toEqual([expect.objectContaining({ status: 'delivered', attempts: 4, last_status: 200 })]);
    const types = (await server.container.db('events').where({ account_id: gina.id }).whereLike('type', 'backchannel_logout.%').orderBy('id')).map((e) => e.type);
    expect(types).toEqual(['backchannel_logout.retrying', 'backchannel_logout.retrying', 'backchannel_logout.retrying', 'backchannel_logout.delivered']);
    // The delivery log, as the admin API shows it.
    const listed = await admin.call('GET', `${V1}/clients/${appA.clientId}/backchannel-logout-deliveries?limit=1`);
    expect(listed.body.items[0]).toMatchObject({ account_id: gina.id, status: 'delivered', attempts: 4, last_status: 200, reason: 'sessions_revoked' });
    expect(listed.body.items[0]).not.toHaveProperty('jti');
  });

  it('a queued delivery survives a restart: the next process sends it', async () => {
    const hal = await person();
    const atB = await signInAt(appB, rpB, hal);
    await server.container.sessionIndex.revokeSessions(server.container.providers.current(), hal.id, undefined, 'sessions_revoked');
    expect(await pending(hal.id)).toHaveLength(1);
    // A new process on the same database (the first one never sends it).
    const next = await buildContainer(server.container.config, { database: server.testDatabase.database, redis: server.testRedis?.redis ?? null, clock, logger: server.container.logger });
    try {
      expect((await next.logouts.deliverDue()).map((o) => o.result)).toEqual(['delivered']);
    } finally {
      await next.close();
    }
    expect(rpB.sessions.has(atB.sid)).toBe(false);
    expect(await pending(hal.id)).toEqual([]);
  });

  it('refuses a backchannel_logout_uri that is unusable, with problem+json', async () => {
    const base = { name: 'bad', type: 'web', redirect_uris: ['http://127.0.0.1:9/callback'] };
    for (const uri of ['http://127.0.0.1:9/logout#fragment', 'http://10.0.0.7/logout', 'ftp://rp.example/logout', 'http://user:pw@127.0.0.1:9/x', 'not a url']) {
      const response = await admin.call('POST', `${V1}/clients`, { ...base, backchannel_logout_uri: uri });
      expect([uri, response.status]).toEqual([uri, 400]);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    const sessionOnly = await admin.call('POST', `${V1}/clients`, { ...base, backchannel_logout_session_required: true });
    expect(sessionOnly.status).toBe(400);
    const machine = await admin.call('POST', `${V1}/clients`, { name: 'm', type: 'machine', backchannel_logout_uri: 'http://127.0.0.1:9/logout' });
    expect(machine.status).toBe(400);
    const ok = await admin.call('POST', `${V1}/clients`, { ...base, backchannel_logout_uri: 'http://127.0.0.1:9/logout?rp=1', backchannel_logout_session_required: true });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ backchannel_logout_uri: 'http://127.0.0.1:9/logout?rp=1', backchannel_logout_session_required: true });
    const removed = await admin.call('PATCH', `${V1}/clients/${ok.body.client_id}`, { backchannel_logout_uri: null });
    expect(removed.body).toMatchObject({ backchannel_logout_uri: null, backchannel_logout_session_required: false });

    // Production mode (an https issuer): an http logout URI is refused, as the outbound guard requires https.
    const guard = createOutboundGuard({ allowList: [], requireHttps: true, resolve: async () => ['93.184.215.14'] });
    const production = createClientService({ queries: createClientQueries(server.container.db), outbound: guard });
    const registration = { name: 'prod', type: 'web' as const, redirectUris: ['https://rp.example/cb'], postLogoutRedirectUris: [] };
    await expect(production.createClient({ ...registration, backchannelLogoutUri: 'http://rp.example/logout' })).rejects.toMatchObject({ status: 400, code: 'INVALID_CLIENT_METADATA', message: expect.stringContaining('https') });
    await expect(production.createClient({ ...registration, backchannelLogoutUri: 'https://10.1.2.3/logout' })).rejects.toMatchObject({ status: 400 });
    const accepted = await production.createClient({ ...registration, backchannelLogoutUri: 'https://rp.example/logout' });
    expect(accepted.client.metadata).toMatchObject({ backchannel_logout_uri: 'https://rp.example/logout' });
    await guard.close();
  });

  // Last: once the worker runs, it sends what the tests above wait to send themselves.
  it('with the background worker running, a receiver that hangs does not hold up the sign-out', async () => {
    const ivy = await person();
    const atA = await signInAt(appA, rpA, ivy);
    let release!: () => void;
    rpA.hold = new Promise<void>((resolve) => (release = resolve));
    const arrivedBefore = rpA.arrived;
    const receivedBefore = rpA.received.length;
    server.container.auditTrail.start();
    try {
      const confirmation = await atA.agent.request(`${server.issuer}/session/end`);
      const done = await atA.agent.request(UserAgent.action(confirmation, '/session/end/confirm'), { form: { xsrf: UserAgent.field(confirmation, 'xsrf'), logout: 'yes' } });
      expect(done.status).toBe(200);
      // The worker, nudged by the queue, reaches the receiver, which is still holding its answer:
      // the sign-out above had already answered, so it did not wait for the relying party.
      while (rpA.arrived === arrivedBefore) await new Promise((resolve) => setImmediate(resolve));
      expect(rpA.received.length).toBe(receivedBefore);
      release();
      await rpA.waitFor(receivedBefore + 1);
      expect(rpA.sessions.has(atA.sid)).toBe(false);
    } finally {
      rpA.hold = undefined;
      release();
    }
  });
});

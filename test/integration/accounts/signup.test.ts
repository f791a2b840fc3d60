import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { alertOf, comparable, followLink, mailLink, signUp, startAccountServer, type AccountTestServer } from '../../support/accounts.js';
import { UserAgent } from '../../support/user-agent.js';

const PASSWORD = 'purple elephants dance at noon';

describe('sign-up', () => {
  let env: AccountTestServer;

  beforeAll(async () => {
    env = await startAccountServer();
  });
  afterAll(() => env.close());

  it('creates an unverified account and mails a link that verifies exactly that address', async () => {
    const agent = new UserAgent();
    const sent = await signUp(agent, env.issuer, { email: 'new.person@example.com', name: 'New Person', password: PASSWORD });
    expect(sent.status).toBe(200);
    expect(sent.url).toBe(`${env.issuer}/account/signup/sent`);
    expect(sent.body).toContain('Check your email');

    const account = await env.server.container.accounts.findByEmail('new.person@example.com');
    expect(account).toMatchObject({ name: 'New Person', email_verified: false });

    const { mail, link } = await mailLink(env.smtp, 'new.person@example.com', `${env.issuer}/account/verify?token=`);
    expect(mail.subject).toBe('Verify your email address for Acme ID');
    expect(mail.from).toBe('no-reply@example.test');
    expect(mail.html).toContain('Verify my address');
    expect(mail.headers['auto-submitted']).toBe('auto-generated');

    // Opening the link only shows a button (mail scanners open links too); the click verifies.
    const token = new URL(link).searchParams.get('token')!;
    const shown = await agent.request(link);
    expect(shown.body).toContain('Verify my address');
    expect((await env.server.container.accounts.findByEmail('new.person@example.com'))!.email_verified).toBe(false);

    const done = await followLink(new UserAgent(), link);
    expect(done.status).toBe(200);
    expect(done.body).toContain('Your email address is verified');
    expect((await env.server.container.accounts.findByEmail('new.person@example.com'))!.email_verified).toBe(true);

    // Only a hash of the token is stored, and the queued mail no longer holds the link.
    const stored = await env.server.container.db('account_tokens').where({ account_id: account!.id });
    expect(JSON.stringify(stored)).not.toContain(token);
    const outbox = await env.server.container.db('mail_outbox').where({ recipient: 'new.person@example.com' });
    expect(outbox).toEqual([expect.objectContaining({ status: 'sent', sealed_message: null })]);
    const events = await env.server.container.db('events').whereIn('type', ['account.created', 'account.email_verified']).orderBy('id');
    expect(events.map((event) => event.type)).toEqual(['account.created', 'account.email_verified']);
    expect(JSON.stringify(events)).not.toContain(token);
  });

  it('answers an existing address exactly like a new one, and mails its owner instead', async () => {
    await env.server.container.accounts.createAccount({ email: 'taken@example.com', name: 'Owner', password: 'the owner has a good password', emailVerified: true });
    const first = await signUp(new UserAgent(), env.issuer, { email: 'taken@example.com', name: 'Intruder', password: PASSWORD });
    const second = await signUp(new UserAgent(), env.issuer, { email: 'free@example.com', name: 'Free', password: PASSWORD });
    expect(first.status).toBe(second.status);
    expect(first.url).toBe(second.url);
    expect(comparable(first)).toBe(comparable(second));

    const mail = await env.smtp.nextMail('taken@example.com');
    expect(mail.subject).toBe('Someone tried to create a Acme ID account with your address');
    expect(mail.text).toContain(`${env.issuer}/account/forgot`);
    expect(mail.text).not.toContain('Intruder');
    const owner = await env.server.container.accounts.findByEmail('taken@example.com');
    expect(owner).toMatchObject({ name: 'Owner' });
    expect(await env.server.container.db('events').where({ type: 'account.signup_duplicate', account_id: owner!.id })).toHaveLength(1);
    await env.smtp.nextMail('free@example.com');
  });

  it('shows the password policy reason and keeps what was typed, except the password', async () => {
    const cases: [string, string, RegExp][] = [
      ['short', 'too short', /Use at least 15 characters/],
      ['common', 'passwordpassword', /most common or leaked/],
      ['common with spaces', 'password password', /most common or leaked/],
      ['repetitive', 'aaaaaaaaaaaaaaaaaaaa', /repeats the same few characters/],
      ['context: email', 'pat.example@example.com', /name, your email address or the name Acme ID/],
      ['context: name and product', 'Acme ID Patricia 2026', /name, your email address or the name Acme ID/],
      ['too long', 'x'.repeat(60) + ' long words '.repeat(6), /at most 128 characters/],
    ];
    for (const [label, password, reason] of cases) {
      const page = await signUp(new UserAgent(), env.issuer, { email: 'pat.example@example.com', name: 'Patricia', password });
      expect([label, page.status]).toEqual([label, 400]);
      expect([label, alertOf(page)]).toEqual([label, expect.stringMatching(reason)]);
      expect(page.body).toContain('value="pat.example@example.com"');
      expect(page.body).not.toMatch(/name="password"[^>]*value=/);
    }
    expect(await env.server.container.accounts.findByEmail('pat.example@example.com')).toBeUndefined();
  });

  it('accepts spaces and Unicode, counting code points', async () => {
    // 15 code points, 45 UTF-8 bytes: long enough; a byte count would be wrong either way.
    const unicode = '日本語のパスワードです長い文章だ';
    expect([...unicode].length).toBeGreaterThanOrEqual(15);
    const accepted = await signUp(new UserAgent(), env.issuer, { email: 'unicode@example.com', name: 'Yuki', password: unicode });
    expect(accepted.url).toBe(`${env.issuer}/account/signup/sent`);
    const fourteen = '日本語のパスワードです長い文';
    expect([...fourteen].length).toBe(14);
    const refused = await signUp(new UserAgent(), env.issuer, { email: 'unicode2@example.com', name: 'Yuki', password: fourteen });
    expect(refused.status).toBe(400);
    const account = await env.server.container.accounts.authenticate('unicode@example.com', unicode);
    expect(account.ok).toBe(true);
  });

  it('rejects bad input with a clear 4xx, never a 500', async () => {
    const agent = new UserAgent();
    const page = await agent.request(`${env.issuer}/account/signup`);
    const csrf = UserAgent.field(page, 'csrf');
    const post = (form: Record<string, string>) => agent.request(`${env.issuer}/account/signup`, { form: { csrf, ...form } });
    expect((await post({ email: 'not-an-address', name: 'X', password: PASSWORD })).status).toBe(400);
    expect((await post({ email: 'a@example.com', name: '', password: PASSWORD })).status).toBe(400);
    expect((await post({ email: 'a@example.com', name: 'x'.repeat(101), password: PASSWORD })).status).toBe(400);
    expect((await post({ email: 'a@example.com', name: 'X' })).status).toBe(400);
    const forged = await new UserAgent().request(`${env.issuer}/account/signup`, { form: { csrf: 'forged', email: 'b@example.com', name: 'B', password: PASSWORD } });
    expect(forged.status).toBe(403);
    expect(await env.server.container.accounts.findByEmail('b@example.com')).toBeUndefined();
  });
});

describe('sign-up settings', () => {
  it('is off unless enabled: the page and the form answer 404', async () => {
    const env = await startAccountServer({ env: { SIGNUP_ENABLED: 'false' } });
    try {
      const agent = new UserAgent();
      expect((await agent.request(`${env.issuer}/account/signup`)).status).toBe(404);
      const forgot = await agent.request(`${env.issuer}/account/forgot`);
      const csrf = UserAgent.field(forgot, 'csrf');
      const post = await agent.request(`${env.issuer}/account/signup`, { form: { csrf, email: 'x@example.com', name: 'X', password: PASSWORD } });
      expect(post.status).toBe(404);
      expect(await env.server.container.accounts.findByEmail('x@example.com')).toBeUndefined();
    } finally {
      await env.close();
    }
  });

  it('limits sign-up to the allowed domains, and limits mail per address', async () => {
    const env = await startAccountServer({ env: { SIGNUP_ALLOWED_DOMAINS: 'example.org, Corp.example', MAIL_REQUESTS_PER_ADDRESS_PER_HOUR: '2' } });
    try {
      const outside = await signUp(new UserAgent(), env.issuer, { email: 'someone@example.com', name: 'S', password: PASSWORD });
      expect(outside.status).toBe(400);
      expect(alertOf(outside)).toBe('Sign-up is open to addresses at example.org, corp.example only.');
      const inside = await signUp(new UserAgent(), env.issuer, { email: 'someone@corp.example', name: 'S', password: PASSWORD });
      expect(inside.url).toBe(`${env.issuer}/account/signup/sent`);
      await signUp(new UserAgent(), env.issuer, { email: 'someone@corp.example', name: 'S', password: PASSWORD });
      const limited = await signUp(new UserAgent(), env.issuer, { email: 'someone@corp.example', name: 'S', password: PASSWORD });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(alertOf(limited)).toMatch(/Too many emails/);
      await env.flushMail();
      expect(env.smtp.pending('someone@corp.example')).toHaveLength(2);
    } finally {
      await env.close();
    }
  });
});

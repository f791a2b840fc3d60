import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createMailRenderer } from '../../../src/mail/templates.js';
import { createI18n } from '../../../src/i18n/index.js';
import { loadCatalogs } from '../../../src/i18n/catalogs.js';
import { createMailTransport } from '../../../src/mail/transport.js';
import { createLogger } from '../../../src/shared/logger.js';
import { createTestClock } from '../../support/accounts.js';
import { openTestDatabase, type TestDatabase } from '../../support/database.js';
import { linkIn, startSmtpReceiver, type SmtpReceiver } from '../../support/mail.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const LINK = 'http://127.0.0.1/account/reset?token=secret-token-value-0123456789';
const resetMail = { link: LINK, expiresIn: 1800 };

describe('the mail queue', () => {
  const clock = createTestClock();
  let smtp: SmtpReceiver;
  let server: TestServer;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    server = await startTestServer({ clock, env: { SMTP_URL: smtp.url } });
  });
  afterAll(async () => {
    await server.close();
    await smtp.close();
  });

  const rowFor = async (recipient: string) => (await server.container.db('mail_outbox').where({ recipient }))[0];

  it('keeps the queued message sealed, and drops it once sent', async () => {
    await server.container.mailer.send('sealed@example.com', 'password-reset', resetMail);
    const queued = await rowFor('sealed@example.com');
    expect(queued).toMatchObject({ status: 'pending', attempts: 0, template: 'password-reset' });
    expect(queued.sealed_message).not.toContain('secret-token-value');
    await server.container.mailWorker.drain();
    expect(linkIn(await smtp.nextMail('sealed@example.com'), 'http://127.0.0.1/account/reset')).toBe(LINK);
    expect(await rowFor('sealed@example.com')).toMatchObject({ status: 'sent', sealed_message: null, attempts: 1 });
  });

  it('retries a temporary refusal after a back-off, and not before', async () => {
    smtp.refuseNext(1, 451);
    await server.container.mailer.send('later@example.com', 'password-reset', resetMail);
    await server.container.mailWorker.drain();
    const refused = await rowFor('later@example.com');
    expect(refused).toMatchObject({ status: 'pending', attempts: 1 });
    expect(refused.last_error).toMatch(/451/);
    expect(new Date(refused.next_attempt_at).getTime() - clock.now().getTime()).toBeGreaterThan(25_000);
    expect(smtp.pending('later@example.com')).toHaveLength(0);

    await server.container.mailWorker.drain();
    expect(smtp.pending('later@example.com')).toHaveLength(0);
    clock.advance(31);
    await server.container.mailWorker.drain();
    expect(smtp.pending('later@example.com')).toHaveLength(1);
    expect(await rowFor('later@example.com')).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('gives up at once on a permanent refusal, keeping no message', async () => {
    smtp.refuseNext(1, 550);
    await server.container.mailer.send('nobody@example.com', 'password-reset', resetMail);
    await server.container.mailWorker.drain();
    clock.advance(3600);
    await server.container.mailWorker.drain();
    expect(await rowFor('nobody@example.com')).toMatchObject({ status: 'failed', attempts: 1, sealed_message: null });
    expect(smtp.pending('nobody@example.com')).toHaveLength(0);
  });
});

describe('the mail queue across instances and restarts', () => {
  const clock = createTestClock();
  let smtp: SmtpReceiver;
  let database: TestDatabase;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database.destroy();
    await smtp.close();
  });

  const instance = () => startTestServer({ clock, testDatabase: database, env: { SMTP_URL: smtp.url } });

  it('sends after a restart what was queued before it, and takes over a lapsed claim', async () => {
    const first = await instance();
    await first.container.mailer.send('queued@example.com', 'password-reset', resetMail);
    await first.container.mailer.send('claimed@example.com', 'password-reset', resetMail);
    // An instance that claimed a mail and died before sending it (its lease is two minutes).
    const outbox = await import('../../../src/mail/queries.js');
    const stolen = await outbox.createOutboxQueries(first.container.db).claimDueMails(clock.now(), new Date(clock.now().getTime() + 120_000), 1);
    expect(stolen).toHaveLength(1);
    await first.close();

    const second = await instance();
    try {
      await second.container.mailWorker.drain();
      const claimed = stolen[0].recipient as string;
      const other = claimed === 'queued@example.com' ? 'claimed@example.com' : 'queued@example.com';
      expect(smtp.pending(other)).toHaveLength(1);
      expect(smtp.pending(claimed)).toHaveLength(0);
      clock.advance(121);
      await second.container.mailWorker.drain();
      expect(smtp.pending(claimed)).toHaveLength(1);
    } finally {
      await second.close();
    }
  });

  it('lets two instances share the queue without sending any mail twice', async () => {
    const [a, b] = [await instance(), await instance()];
    try {
      const recipients = Array.from({ length: 24 }, (_, i) => `shared${i}@example.com`);
      for (const to of recipients) await a.container.mailer.send(to, 'password-reset', resetMail);
      await Promise.all([a.container.mailWorker.drain(), b.container.mailWorker.drain(), a.container.mailWorker.drain()]);
      for (const to of recipients) expect([to, smtp.pending(to).length]).toEqual([to, 1]);
      const rows = await a.container.db('mail_outbox').whereIn('recipient', recipients);
      expect(rows.every((row) => row.status === 'sent' && row.attempts === 1)).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('mail without SMTP_URL', () => {
  it('writes each mail to the outbox folder and logs one line that names the file, not the link', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'idp-outbox-'));
    const lines: string[] = [];
    const logger = createLogger('info', new Writable({ write: (chunk, _encoding, done) => (lines.push(chunk.toString()), done()) }));
    const transport = createMailTransport({ from: 'Acme <no-reply@example.test>', outboxDir: join(directory, 'outbox') }, logger);
    try {
      const rendered = createMailRenderer({ productName: 'Acme', issuer: 'http://127.0.0.1' }, createI18n(loadCatalogs({ defaultLocale: 'en' })))('password-reset', resetMail);
      await transport.send({ to: 'local@example.com', ...rendered }, 'mail-1');
      const files = readdirSync(join(directory, 'outbox'));
      expect(files).toEqual([expect.stringMatching(/-mail-1\.eml$/)]);
      const eml = readFileSync(join(directory, 'outbox', files[0]), 'utf8');
      expect(eml).toContain('To: local@example.com');
      expect(eml).toContain('secret-token-value');
      expect(transport.description).toContain('SMTP_URL is not set');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(files[0]);
      expect(lines[0]).not.toContain('secret-token-value');
    } finally {
      transport.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

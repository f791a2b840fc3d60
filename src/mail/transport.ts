import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../config/load.js';
import type { Logger } from '../shared/logger.js';

export interface OutgoingMail {
  to: string;
  subject: string;
  html: string;
  text: string;
}

export interface MailTransport {
  /** Where mail goes, for the start-up log; never includes SMTP credentials. */
  readonly description: string;
  /** Resolves once the mail is accepted; rejects with the SMTP error otherwise. */
  send(mail: OutgoingMail, id: string): Promise<void>;
  close(): void;
}

/** SMTP reply codes 5xx mean "do not retry" (RFC 5321 §4.2.1); anything else may be temporary. */
export function isPermanentFailure(error: unknown): boolean {
  const code = (error as { responseCode?: unknown })?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

const HEADERS = { 'Auto-Submitted': 'auto-generated' };

/**
 * SMTP when SMTP_URL is set. Otherwise (embedded mode) each mail is written as an .eml file to the
 * outbox folder in the data folder, with a one-line notice in the log so a person trying the server
 * locally can open it and follow its link. The notice names the file, never the link.
 */
export function createMailTransport(mail: Config['mail'], logger: Logger): MailTransport {
  if (mail.smtpUrl) {
    const url = new URL(mail.smtpUrl);
    // Bounded waits: a stalled server must not hold a worker (or a shutdown) for minutes.
    const transporter = nodemailer.createTransport({ url: mail.smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 });
    return {
      description: `SMTP ${url.protocol}//${url.hostname}:${url.port || (url.protocol === 'smtps:' ? 465 : 587)}`,
      async send(message) {
        await transporter.sendMail({ from: mail.from, ...message, headers: HEADERS });
      },
      close: () => transporter.close(),
    };
  }
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    description: `files in ${mail.outboxDir} (SMTP_URL is not set)`,
    async send(message, id) {
      const info = (await composer.sendMail({ from: mail.from, ...message, headers: HEADERS })) as { message: Buffer };
      await mkdir(mail.outboxDir, { recursive: true, mode: 0o700 });
      const file = join(mail.outboxDir, `${new Date().toISOString().replaceAll(':', '-')}-${id}.eml`);
      await writeFile(file, info.message, { mode: 0o600 });
      // Never the address: logs outlive an account's erasure (docs/privacy.md).
      logger.info({ mailId: id, subject: message.subject, file }, `mail written to ${file} (no SMTP_URL set)`);
    },
    close: () => composer.close(),
  };
}

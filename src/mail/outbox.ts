import type { Clock } from '../shared/clock.js';
import { newUuid } from '../shared/ids.js';
import type { Logger } from '../shared/logger.js';
import type { SecretBox } from '../shared/secret-box.js';
import type { OutboxQueries, OutboxRow } from './queries.js';
import { FORGET_WHEN_DONE, type MailCatalogue, type MailTemplate, type RenderMail } from './templates.js';
import { isPermanentFailure, type MailTransport, type OutgoingMail } from './transport.js';

/** Retries back off from 30 s, doubling to at most an hour; after the last attempt the mail fails. */
export const RETRY = { baseSeconds: 30, maxSeconds: 3600, maxAttempts: 10 } as const;
const LEASE_SECONDS = 120;
const BATCH = 10;
const POLL_MS = 5000;

export interface Mailer {
  /** Renders the mail and puts it in the queue; resolves once it is stored, not once it is sent. */
  send<T extends MailTemplate>(to: string, template: T, data: MailCatalogue[T]): Promise<void>;
  /**
   * The same work as `send` (render, seal, the queue statement), queueing the mail only when `queue`
   * is true: for answers that must not take longer for an address that has an account.
   */
  sendOrDiscard<T extends MailTemplate>(queue: boolean, to: string, template: T, data: MailCatalogue[T]): Promise<void>;
}

/**
 * Queues mail in the `mail_outbox` table. The rendered message is sealed (it may carry a link that
 * signs someone in or resets a password), so the queue holds no usable secret at rest.
 */
export function createMailer(deps: {
  queries: OutboxQueries;
  box: SecretBox;
  render: RenderMail;
  clock: Clock;
  onQueued?: () => void;
  /** The recipient's saved language, if they have an account and chose one. */
  localeOf?: (address: string) => Promise<string | undefined>;
}): Mailer {
  async function queueMail<T extends MailTemplate>(queue: boolean, to: string, template: T, data: MailCatalogue[T]) {
    const rendered = deps.render(template, data, await deps.localeOf?.(to));
    const now = deps.clock.now();
    await deps.queries.insertMail(
      {
        id: newUuid(),
        recipient: to,
        template,
        sealed_message: deps.box.seal(JSON.stringify({ to, ...rendered })),
        next_attempt_at: now,
        created_at: now,
      },
      queue,
    );
    if (queue) deps.onQueued?.();
  }
  return {
    send: (to, template, data) => queueMail(true, to, template, data),
    sendOrDiscard: queueMail,
  };
}

export interface MailWorker {
  start(): void;
  /** Runs now instead of at the next poll (after a mail is queued here). */
  kick(): void;
  /** Claims and sends every due mail once; resolves when done. */
  drain(): Promise<void>;
  /** Stops claiming and waits for the mails in hand. A mail cut off by a hard stop is claimed again when its lease ends. */
  stop(): Promise<void>;
}

/**
 * Sends queued mail. Every instance runs one; they share the queue through SKIP LOCKED claims.
 * Delivery is at least once: a crash between the SMTP server's acceptance and `markSent` sends that
 * mail again after its lease, which is better than losing a reset link.
 */
export function createMailWorker(deps: { queries: OutboxQueries; box: SecretBox; transport: MailTransport; clock: Clock; logger: Logger }): MailWorker {
  const { queries, clock, logger } = deps;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  async function deliver(row: OutboxRow): Promise<void> {
    // The mail id, not the address: logs outlive an account's erasure (docs/privacy.md).
    const log = { mailId: row.id, template: row.template, attempt: row.attempts };
    const forget = FORGET_WHEN_DONE.has(row.template as MailTemplate);
    try {
      if (!row.sealed_message) throw new Error('queued mail has no message');
      const mail = JSON.parse(deps.box.open(row.sealed_message)) as OutgoingMail;
      await deps.transport.send(mail, row.id);
      await (forget ? queries.deleteMail(row.id) : queries.markSent(row.id, clock.now()));
      logger.info(log, 'mail sent');
    } catch (error) {
      const reason = describeError(error);
      if (isPermanentFailure(error) || row.attempts >= RETRY.maxAttempts) {
        await (forget ? queries.deleteMail(row.id) : queries.markFailed(row.id, reason));
        logger.error({ ...log, reason }, 'mail could not be delivered; giving up');
        return;
      }
      const delay = Math.min(RETRY.baseSeconds * 2 ** (row.attempts - 1), RETRY.maxSeconds);
      await queries.scheduleRetry(row.id, new Date(clock.now().getTime() + delay * 1000), reason);
      logger.warn({ ...log, reason, retryInSeconds: delay }, 'mail not sent; will retry');
    }
  }

  async function runOnce(): Promise<void> {
    for (;;) {
      const now = clock.now();
      const rows = await queries.claimDueMails(now, new Date(now.getTime() + LEASE_SECONDS * 1000), BATCH);
      for (const row of rows) await deliver(row);
      if (rows.length < BATCH || stopped) break;
    }
    // Sent and failed mails are removed by the retention job (MAIL_RETENTION_DAYS, src/privacy/retention.ts).
  }

  /** One run at a time per process; a kick during a run schedules exactly one more. */
  function run(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = runOnce()
      .catch((error: unknown) => logger.warn({ err: error }, 'mail worker run failed; retrying at the next poll'))
      .finally(() => {
        running = undefined;
        if (again && !stopped) {
          again = false;
          void run();
        }
      });
    return running;
  }

  return {
    start() {
      stopped = false;
      timer = setInterval(() => void run(), POLL_MS);
      timer.unref();
      void run();
    },
    kick() {
      if (timer && !stopped) void run();
    },
    async drain() {
      await run();
      while (running) await running;
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      while (running) await running;
      deps.transport.close();
    },
  };
}

/** SMTP errors carry the server's reply; nothing here holds the message body. */
function describeError(error: unknown): string {
  const candidate = error as { response?: unknown; message?: unknown; code?: unknown };
  const text = typeof candidate?.response === 'string' ? candidate.response : typeof candidate?.message === 'string' ? candidate.message : String(error);
  return text.slice(0, 500);
}

import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures, in the scheme Stripe made familiar:
 *
 *   Idp-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * The timestamp is signed with the body, so a receiver that rejects old timestamps also rejects
 * replays. Several v1 values may appear (while a secret is being rotated); any one may match.
 */
export const SIGNATURE_HEADER = 'idp-signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function signWebhookBody(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, body)}`;
}

/** What a receiver runs: true only for a fresh timestamp and a matching signature over the raw body. */
export function verifyWebhookSignature(options: {
  secret: string;
  header: string | undefined | null;
  body: string;
  now: Date;
  toleranceSeconds?: number;
}): boolean {
  if (!options.header) return false;
  const parts = options.header.split(',').map((part) => part.trim().split('='));
  const timestamp = Number(parts.find(([name]) => name === 't')?.[1]);
  if (!Number.isInteger(timestamp)) return false;
  const age = Math.abs(options.now.getTime() / 1000 - timestamp);
  if (age > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return false;
  const expected = Buffer.from(hmac(options.secret, timestamp, options.body), 'utf8');
  return parts
    .filter(([name, value]) => name === 'v1' && typeof value === 'string')
    .some(([, value]) => {
      const given = Buffer.from(value, 'utf8');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
}

function hmac(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

import { createHash, timingSafeEqual } from 'node:crypto';

/** SHA-256 as base64url: the lookup key for values that must not be stored in usable form. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** Compares two strings in time independent of where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(sha256(a));
  const right = Buffer.from(sha256(b));
  return timingSafeEqual(left, right) && a.length === b.length;
}

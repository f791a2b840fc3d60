import type { Context } from 'koa';
import { sha256 } from '../shared/digest.js';
import { KNOWN_CONTEXT_SECONDS } from './login-protection.js';

const COOKIE = 'idp.known';

interface KnownAccount {
  id: string;
  password_hash: string | null;
}
/** Accounts one browser remembers; the oldest drops off (a shared family computer, a tester). */
const MAX_ACCOUNTS = 8;

/**
 * "This device signed this account in before" (lockout prevention for known devices): a cookie
 * signed with the app's cookie keys, set at each correct password and kept KNOWN_CONTEXT_SECONDS,
 * holding a short tag per account (a hash, never the email). Failures from elsewhere do not delay
 * such a device, and the lockout does not lock it out. It cannot be forged for someone else's
 * account: the signature needs the server's key.
 * Rule: the tag covers the account's current password hash, so a new password (reset, change)
 * forgets every device; a device is only known to someone who knew the password in force.
 */
export function knownDevices(secure: boolean) {
  const tag = (account: KnownAccount) => sha256(`known-device|${account.id}|${account.password_hash ?? ''}`).slice(0, 22);
  const read = (ctx: Context) => (ctx.cookies.get(COOKIE, { signed: true }) ?? '').split('.').filter(Boolean);
  return {
    has: (ctx: Context, account: KnownAccount): boolean => Boolean(account.password_hash) && read(ctx).includes(tag(account)),
    remember(ctx: Context, account: KnownAccount): void {
      const mine = tag(account);
      const tags = [mine, ...read(ctx).filter((other) => other !== mine)].slice(0, MAX_ACCOUNTS);
      ctx.cookies.set(COOKIE, tags.join('.'), {
        signed: true,
        httpOnly: true,
        sameSite: 'lax',
        secure,
        overwrite: true,
        path: '/',
        maxAge: KNOWN_CONTEXT_SECONDS * 1000,
      });
    },
  };
}

export type KnownDevices = ReturnType<typeof knownDevices>;

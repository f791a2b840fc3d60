import { dictionary } from '@zxcvbn-ts/language-common';
import type { Config } from '../config/load.js';

/**
 * Password rules after NIST SP 800-63B (rev. 4) §3.1.1.2:
 * - a minimum length of 15 when the password is the only factor, 8 with a second factor;
 * - a maximum of at least 64; every printable character, spaces and Unicode allowed, each code point
 *   counting as one character after NFKC normalisation (the form the hasher hashes);
 * - no composition rules (no "one digit, one symbol") and no periodic change;
 * - a blocklist of common and breached passwords, and of words from the context of the service:
 *   its name and the person's email and name.
 *
 * The blocklist is the `passwords-common` list of `@zxcvbn-ts/language-common` (about 49,000 of
 * the most common passwords of public breach corpora, maintained with zxcvbn-ts). Only the list is
 * used, not zxcvbn's strength score: a score is a composition rule in disguise.
 */
export type PasswordProblem = 'too_short' | 'too_long' | 'common' | 'repetitive' | 'context';

export interface PasswordVerdict {
  ok: boolean;
  problem?: PasswordProblem;
  /** What the person reads: what is wrong and what to do instead. */
  message?: string;
  /** The values of the message (catalog key error.password.<problem>). */
  values?: Record<string, unknown>;
}

export interface PasswordContext {
  productName: string;
  email?: string;
  name?: string | null;
  /** A second factor lowers the minimum length (SP 800-63B §3.1.1.2). */
  hasSecondFactor?: boolean;
}

const COMMON = new Set(dictionary['passwords-common'].map((entry) => entry.toLowerCase()));

/** Letters and digits only, lower-cased: how context words are compared. */
const fold = (value: string) => value.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');

/** The words a password must not be made of: the product, the email, its parts, the name and its parts. */
function contextWords(context: PasswordContext): string[] {
  const words = new Set<string>();
  const add = (value?: string | null) => {
    const folded = fold(value ?? '');
    if (folded.length >= 3) words.add(folded);
  };
  add(context.productName);
  for (const part of context.productName.split(/\s+/)) add(part);
  if (context.email) {
    const [local, domain = ''] = context.email.split('@');
    add(context.email);
    add(local);
    for (const part of local.split(/[._+-]+/)) add(part);
    add(domain);
    add(domain.split('.')[0]);
  }
  if (context.name) {
    add(context.name);
    for (const part of context.name.split(/\s+/)) add(part);
  }
  // Longest first, so "alice" goes before "ali" when both are there.
  return [...words].sort((a, b) => b.length - a.length);
}

export function createPasswordPolicy(rules: Config['passwordPolicy']) {
  return {
    rules,
    minimumLength: (hasSecondFactor = false) => (hasSecondFactor ? rules.minLengthWithMfa : rules.minLength),

    check(password: string, context: PasswordContext): PasswordVerdict {
      const normalized = password.normalize('NFKC');
      const length = [...normalized].length;
      const minimum = context.hasSecondFactor ? rules.minLengthWithMfa : rules.minLength;
      if (length < minimum) {
        return { ok: false, problem: 'too_short', values: { minimum }, message: `Use at least ${minimum} characters. A few ordinary words with spaces make a good password.` };
      }
      if (length > rules.maxLength) return { ok: false, problem: 'too_long', values: { maximum: rules.maxLength }, message: `Use at most ${rules.maxLength} characters.` };

      const lowered = normalized.toLowerCase();
      if (COMMON.has(lowered) || COMMON.has(lowered.replace(/\s+/g, ''))) {
        return { ok: false, problem: 'common', message: 'This password is one of the most common or leaked passwords. Choose another.' };
      }
      if (new Set(lowered).size <= 3) {
        return { ok: false, problem: 'repetitive', message: 'This password repeats the same few characters. Choose one that is harder to guess.' };
      }
      // Made of context words: what is left after removing them is too short, or itself a common password.
      const folded = fold(normalized);
      let rest = folded;
      for (const word of contextWords(context)) rest = rest.replaceAll(word, '');
      if (rest !== folded && ([...rest].length < 6 || COMMON.has(rest))) {
        return {
          ok: false,
          problem: 'context',
          values: { product: context.productName },
          message: `Do not build the password from your name, your email address or the name ${context.productName}.`,
        };
      }
      return { ok: true };
    },
  };
}

export type PasswordPolicy = ReturnType<typeof createPasswordPolicy>;

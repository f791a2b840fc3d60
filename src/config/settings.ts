import { parseEnvironment, type Config } from './load.js';
import { environmentSchema } from './schema.js';

export const MASKED = '[masked]';

/** One setting as it took effect at this start. */
export interface EffectiveSetting {
  /** Safe to store and show: null when unset, secrets replaced by `[masked]`, credentials cut out of URLs. */
  shown: unknown;
  /** What `shown` hides, only to tell whether it changed; never stored, logged or shown. */
  secret?: string;
}

/**
 * Variable names that hold a secret as a whole: those ending in a word of the logger's redact list
 * (password, secret, token) or one of their kin. Only the last word counts, so SERVER_SECRET and
 * ADMIN_PASSWORD are masked while PASSWORD_MIN_LENGTH, ACCESS_TOKEN_TTL and REDIS_KEY_PREFIX stay
 * visible; a future SMTP_PASSWORD, SIGNING_KEY or API_TOKEN would be masked without a change here.
 */
export function isSecretName(name: string): boolean {
  return ['SECRET', 'SECRETS', 'PASSWORD', 'PASSWD', 'PASSPHRASE', 'TOKEN', 'KEY', 'CREDENTIALS'].includes(name.split('_').at(-1)!);
}

/** URL query parameters that carry credentials (sslpassword, access_token, api_key, …). */
const SECRET_PARAM = /pass|secret|token|key|auth|sig/i;

/**
 * A URL (or a comma-separated list of them, as REDIS_URL may be) with its user info and secret query
 * parameters masked; undefined when the value carries no credentials (or is no URL). Everything up to
 * the last `@` counts as user info, so a password with an unencoded `/`, `?` or `@` is still hidden.
 */
export function maskUrlCredentials(value: string): string | undefined {
  let masked = false;
  const schemeOf = (part: string) => /^\s*[a-z][a-z0-9+.-]*:\/\//i.exec(part)?.[0];
  // A list only when every piece is a URL: a comma inside one URL's password must not split it.
  const pieces = value.split(',');
  const parts = (pieces.every((piece) => schemeOf(piece)) ? pieces : [value]).map((part) => {
    const scheme = schemeOf(part);
    if (!scheme) return part;
    let rest = part.slice(scheme.length);
    const at = rest.lastIndexOf('@');
    if (at >= 0) {
      masked = true;
      rest = `${MASKED}@${rest.slice(at + 1)}`;
    }
    const query = rest.indexOf('?');
    if (query < 0) return scheme + rest;
    const params = rest.slice(query + 1).split('&').map((pair) => {
      const equals = pair.indexOf('=');
      if (equals < 0 || !SECRET_PARAM.test(pair.slice(0, equals))) return pair;
      masked = true;
      return `${pair.slice(0, equals)}=${MASKED}`;
    });
    return `${scheme}${rest.slice(0, query)}?${params.join('&')}`;
  });
  return masked ? parts.join(',') : undefined;
}

/**
 * The settings that hold a secret as a whole, named one by one so that masking them does not depend
 * on the naming rule alone (a test checks every one of them is masked). URLs with credentials
 * (DATABASE_URL, REDIS_URL, SMTP_URL) are masked by maskUrlCredentials whatever their name.
 */
export const SECRET_SETTINGS: readonly string[] = ['SERVER_SECRET', 'ADMIN_PASSWORD'];

function describe(name: string, value: unknown): EffectiveSetting {
  if (value === undefined || value === null) return { shown: null };
  if (SECRET_SETTINGS.includes(name) || isSecretName(name)) return { shown: MASKED, secret: JSON.stringify(value) };
  if (typeof value === 'string') {
    const masked = maskUrlCredentials(value);
    if (masked !== undefined) return { shown: masked, secret: value };
  }
  return { shown: value };
}

/**
 * Every setting of the environment schema as it took effect: defaults applied, ISSUER as derived,
 * and SERVER_SECRET as used (the generated one in embedded mode), by variable name. What the audit
 * trail compares from one start to the next (src/audit/config-changes.ts).
 */
export function effectiveSettings(env: NodeJS.ProcessEnv, config: Pick<Config, 'issuer' | 'serverSecrets' | 'dataDir'>): Record<string, EffectiveSetting> {
  const parsed: Record<string, unknown> = { ...parseEnvironment(env), ISSUER: config.issuer, SERVER_SECRET: [...config.serverSecrets], DATA_DIR: config.dataDir };
  return Object.fromEntries(Object.keys(environmentSchema.shape).sort().map((name) => [name, describe(name, parsed[name])]));
}

/**
 * The effective settings as operators may see them (the admin API's GET /settings and the console):
 * only the `shown` values, so no secret, password or URL credential leaves the process.
 */
export function shownSettings(config: Pick<Config, 'environment' | 'issuer' | 'serverSecrets' | 'dataDir'>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(effectiveSettings(config.environment, config)).map(([name, setting]) => [name, setting.shown]));
}

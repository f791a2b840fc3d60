import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { HEX_COLOR, normalizeHex } from './brand-colors.js';

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const milliseconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);
/** A URL with one of the given schemes; Zod's own message ("Invalid URL") does not say which. */
const urlOf = (schemes: string, protocol: RegExp) => z.url({ protocol, error: `must be a ${schemes} URL` });
/** A brand colour: #rgb or #rrggbb only, so what reaches /assets/brand.css can never be more than a colour. */
const hexColor = z.string().regex(HEX_COLOR, 'must be a hex colour such as #2f5bea or #25e').transform(normalizeHex);

function isBareOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return ['', '/'].includes(url.pathname) && !url.search && !url.hash;
  } catch {
    return false;
  }
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const isIpAddress = (text: string) => ipaddr.IPv4.isValidFourPartDecimal(text) || ipaddr.IPv6.isValid(text);

/** An OUTBOUND_ALLOWED_HOSTS entry: an IP address, a CIDR range (IPv4 or IPv6), or a host name. */
export function isOutboundAllowEntry(entry: string): boolean {
  const [address, bits] = entry.split('/');
  if (bits !== undefined) return isIpAddress(address) && ipaddr.isValidCIDR(entry);
  // A name ending in a number would be read as an IPv4 address by URL parsers: not a host name.
  return isIpAddress(entry) || (HOST_NAME.test(entry) && !/(^|\.)\d+$/.test(entry));
}

function isRedisUrl(value: string): boolean {
  try {
    return ['redis:', 'rediss:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/**
 * Every environment variable the server reads. The README's configuration table mirrors this schema;
 * each default is the value a newcomer gets on `npm start`.
 */
export const environmentSchema = z.object({
  PORT: z.coerce.number({ error: 'must be a whole number from 0 to 65535' }).int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  ISSUER: urlOf('http(s)://', /^https?$/)
    .refine(isBareOrigin, 'must be an origin without a path, query or fragment')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: urlOf('postgres:// or postgresql://', /^postgres(ql)?$/).optional(),
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier').optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(2).max(200).default(10),
  DATABASE_STATEMENT_TIMEOUT_MS: milliseconds(5000),
  // One URL, or a comma-separated list: the sentinels (REDIS_MODE=sentinel) or seed nodes (cluster).
  REDIS_URL: z
    .string()
    .refine((value) => value.split(',').every((part) => isRedisUrl(part.trim())), 'must be a redis:// or rediss:// URL, or a comma-separated list of them (Sentinel, Cluster)')
    .optional(),
  REDIS_MODE: z.enum(['standalone', 'sentinel', 'cluster']).default('standalone'),
  REDIS_SENTINEL_NAME: z.string().min(1).default('mymaster'),
  REDIS_KEY_PREFIX: z.string().max(64).default('idp:'),
  REDIS_COMMAND_TIMEOUT_MS: milliseconds(2000),
  SERVER_SECRET: z
    .string()
    .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(z.string().min(32, 'each secret needs at least 32 characters')).min(1))
    .optional(),
  TRUSTED_PROXIES: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?)$/, 'IP addresses, CIDR ranges, or loopback/linklocal/uniquelocal'))),
  LOGIN_FAILURES_BEFORE_DELAY: z.coerce.number().int().min(1).max(100).default(5),
  LOGIN_DELAY_BASE_SECONDS: seconds(30),
  LOGIN_DELAY_MAX_SECONDS: seconds(900),
  LOGIN_LOCKOUT_AFTER_FAILURES: z.coerce.number().int().min(2).max(99).default(30),
  LOGIN_ATTEMPTS_PER_IP: z.coerce.number().int().positive().default(100),
  LOGIN_ATTEMPTS_PER_IP_AND_ACCOUNT: z.coerce.number().int().positive().default(10),
  LOGIN_ATTEMPT_WINDOW_SECONDS: seconds(900),
  MFA_FAILURES_BEFORE_DELAY: z.coerce.number().int().min(1).max(100).default(5),
  TOKEN_REQUESTS_PER_CLIENT_PER_MINUTE: z.coerce.number().int().positive().default(6000),
  // Failed client authentications per 10 minutes; charged to the address, never to the client (ratelimit/token-endpoint.ts).
  TOKEN_AUTH_FAILURES_PER_IP_AND_CLIENT: z.coerce.number().int().positive().default(20),
  TOKEN_AUTH_FAILURES_PER_IP: z.coerce.number().int().positive().default(100),
  // Wrong user codes typed on the device page per 15 minutes (RFC 8628 §5.1; ratelimit/user-code-entry.ts).
  USER_CODE_FAILURES_PER_IP: z.coerce.number().int().positive().default(20),
  USER_CODE_FAILURES_PER_SESSION: z.coerce.number().int().positive().default(5),
  MAIL_REQUESTS_PER_ADDRESS_PER_HOUR: z.coerce.number().int().positive().default(5),
  MAIL_REQUESTS_PER_IP_PER_HOUR: z.coerce.number().int().positive().default(30),
  API_REQUESTS_PER_CLIENT_PER_MINUTE: z.coerce.number().int().positive().default(6000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BCRYPT_COST: z.coerce.number().int().min(4).max(16).default(12),
  PRODUCT_NAME: z.string().min(1).max(80).default('Identity'),
  PRODUCT_LOGO_URL: urlOf('http(s)://', /^https?$/).optional(),
  DEFAULT_LOCALE: z
    .string()
    .max(35)
    .refine((tag) => { try { return Intl.getCanonicalLocales(tag).length === 1; } catch { return false; } }, { error: 'must be a language tag such as en or pt-BR' })
    .default('en'),
  LOCALES_DIR: z.string().min(1).optional(),
  // Branding of the hosted pages (docs/branding.md): icon, help link, colours (checked for WCAG AA contrast at start), theme folder.
  PRODUCT_FAVICON_URL: urlOf('http(s)://', /^https?$/).optional(),
  PRODUCT_SUPPORT_URL: z.url({ protocol: /^(https?|mailto)$/, error: 'must be an http(s):// or mailto: URL' }).max(2000).optional(),
  BRAND_PRIMARY_COLOR: hexColor.optional(),
  BRAND_BACKGROUND_COLOR: hexColor.optional(),
  BRAND_PRIMARY_COLOR_DARK: hexColor.optional(),
  BRAND_BACKGROUND_COLOR_DARK: hexColor.optional(),
  THEME_DIR: z.string().min(1).optional(),
  ADMIN_EMAIL: z.email().optional(),
  ADMIN_PASSWORD: z.string().min(8).optional(),
  ACCESS_TOKEN_TTL: seconds(900),
  ACCESS_TOKEN_ALG: z.enum(['ES256', 'RS256']).default('ES256'),
  ID_TOKEN_TTL: seconds(3600),
  REFRESH_TOKEN_TTL: seconds(30 * 24 * 3600),
  /** Deprecated: read as SESSION_REMEMBER_MAX_LIFETIME when that is not set. */
  SESSION_TTL: z.coerce.number().int().positive().optional(),
  SESSION_IDLE_TIMEOUT: seconds(8 * 3600),
  SESSION_MAX_LIFETIME: seconds(24 * 3600),
  SESSION_REMEMBER_ME: z.enum(['true', 'false'], { error: 'must be true or false' }).default('true').transform((value) => value === 'true'),
  SESSION_REMEMBER_IDLE_TIMEOUT: seconds(14 * 24 * 3600),
  SESSION_REMEMBER_MAX_LIFETIME: z.coerce.number().int().positive().optional(),
  INTERACTION_TTL: seconds(3600),
  KEY_REFRESH_INTERVAL_MS: milliseconds(30_000),
  SHUTDOWN_TIMEOUT_MS: milliseconds(10_000),
  // Account lifecycle: mail, sign-up, verification, reset, password policy (docs/accounts.md).
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  MAIL_FROM: z.string().min(3).max(320).optional(),
  SIGNUP_ENABLED: z.stringbool().default(false),
  SIGNUP_ALLOWED_DOMAINS: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((part) => part.trim().toLowerCase()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[a-z0-9.-]+\.[a-z0-9-]+$/, 'domain names such as example.com'))),
  EMAIL_VERIFICATION_TTL: seconds(24 * 3600),
  PASSWORD_RESET_TTL: seconds(30 * 60),
  PASSWORD_MIN_LENGTH: z.coerce.number().int().min(8).max(64).default(15),
  PASSWORD_MIN_LENGTH_WITH_MFA: z.coerce.number().int().min(8).max(64).default(8),
  PASSWORD_MAX_LENGTH: z.coerce.number().int().min(64).max(1024).default(128),
  RECENT_LOGIN_SECONDS: seconds(600),
  // Passkeys (docs/passkeys.md): after "Not now", the offer to add a passkey at sign-in waits this many days; 0 never offers.
  PASSKEY_OFFER_DAYS: z.coerce.number().int().min(0).max(3650).default(30),
  // Admin console (docs/console.md): how recent the operator's sign-in must be for a change.
  CONSOLE_RECENT_SIGN_IN_SECONDS: seconds(300),
  // SCIM provisioning (docs/scim.md): which User attributes are copied to which custom attributes, as
  // scimPath=attribute pairs (checked against the SCIM schema at start-up), and how long an invitation link works.
  SCIM_ATTRIBUTE_MAPPING: z.string().max(2000).regex(/^[^=,]+=[a-z][a-z0-9_]*(,[^=,]+=[a-z][a-z0-9_]*)*$|^$/, 'scimPath=attribute pairs, comma-separated').default('employeeNumber=employee_number,department=department,manager=manager'),
  SCIM_INVITATION_TTL: seconds(7 * 86_400),
  // After SIGTERM, keep serving (readiness already 503) this long so the load balancer notices.
  SHUTDOWN_DRAIN_DELAY_MS: z.coerce.number().int().min(0).max(120_000).default(0),
  // Prometheus metrics are off unless a port is given, and then served on that port only, bound to
  // loopback unless METRICS_HOST says otherwise: never on the public port by accident.
  METRICS_PORT: z.coerce.number({ error: 'must be a whole number from 0 to 65535' }).int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** Days a self-service deletion waits, during which a sign-in cancels it; 0 deletes at once (docs/privacy.md). */
  ACCOUNT_DELETION_GRACE_DAYS: z.coerce.number().int().min(0).max(365).default(0),
  /** Days an event's IP address and user agent stay readable (per-day keys, then destroyed). Unset: as long as the event. */
  EVENT_NETWORK_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).optional(),
  /** Days a sent or failed mail's queue row (its sealed body) is kept. */
  MAIL_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(7),
  /** Days without a sign-in after which an account gets a warning mail. Unset: accounts are never deleted for inactivity. */
  ACCOUNT_INACTIVE_DAYS: z.coerce.number().int().min(30).max(36_500).optional(),
  /** Days after that warning, still without a sign-in, when the account is deleted. */
  ACCOUNT_INACTIVE_WARNING_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /** Days of audit events to keep; older ones are pruned behind a signed checkpoint. Unset: keep forever. */
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).optional(),
  /**
   * Webhooks and upstream connections reach only public addresses; these addresses, CIDR ranges and
   * host names are allowed although they are not (an internal Keycloak, a receiver on this host).
   */
  OUTBOUND_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(z.string().refine(isOutboundAllowEntry, 'IP addresses, CIDR ranges such as 10.0.0.0/8 or fd00::/8, or host names'))),
  /** Record an `authz.check_denied` event for every check the permission check API answers with a denial. */
  AUDIT_PERMISSION_DENIALS: z.stringbool().default(false),
});

export type Environment = z.infer<typeof environmentSchema>;

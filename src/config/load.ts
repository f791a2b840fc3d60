import { resolve } from 'node:path';
import { z } from 'zod';
import { contrastProblems, type BrandColors } from './brand-colors.js';
import { environmentSchema, type Environment } from './schema.js';
import { loadOrCreateEmbeddedSecret } from './server-secret.js';

export type DatabaseKind = 'postgres' | 'pglite';
export type ShortLivedStoreKind = 'redis' | 'sql';

export interface Config {
  port: number;
  host: string;
  issuer: string;
  dataDir: string;
  database: { kind: DatabaseKind; url?: string; schema?: string; poolMax: number; statementTimeoutMs: number };
  /** `url` is one URL, or a comma-separated list of sentinels or cluster seed nodes (see `mode`). */
  redis: { url?: string; mode: 'standalone' | 'sentinel' | 'cluster'; sentinelName: string; keyPrefix: string; commandTimeoutMs: number };
  shortLivedStore: ShortLivedStoreKind;
  /** Newest first. Older entries still decrypt what they encrypted, so a secret can be rotated. */
  serverSecrets: string[];
  logLevel: Environment['LOG_LEVEL'];
  bcryptCost: number;
  product: { name: string; logoUrl?: string; faviconUrl?: string; supportUrl?: string };
  /** Colours for /assets/brand.css (only set ones), and the operator's theme folder (absolute), if any. */
  brand: { colors: BrandColors; themeDir?: string };
  /** Languages of the hosted pages and mails: the fallback, and the operator's catalog folder. */
  i18n: { defaultLocale: string; localesDir?: string };
  bootstrapAdmin?: { email: string; password?: string };
  tokens: {
    accessTokenTtl: number;
    accessTokenAlg: 'ES256' | 'RS256';
    idTokenTtl: number;
    refreshTokenTtl: number;
    /** The longest any session can last (the remembered absolute lifetime). */
    sessionTtl: number;
    interactionTtl: number;
  };
  /** Session lifetime policy: idle timeout and absolute lifetime, longer with "remember me". */
  sessions: {
    idleTimeout: number;
    maxLifetime: number;
    rememberMe: boolean;
    rememberIdleTimeout: number;
    rememberMaxLifetime: number;
  };
  keyRefreshIntervalMs: number;
  shutdownTimeoutMs: number;
  /** How long a draining instance keeps serving, unready, before it closes its listener. */
  shutdownDrainDelayMs: number;
  /** Prometheus endpoint on its own listener; undefined when METRICS_PORT is not set. */
  metrics?: { port: number; host: string };
  secureCookies: boolean;
  /** Addresses whose X-Forwarded-* headers are believed (proxy-addr syntax); empty trusts none. */
  trustedProxies: string[];
  rateLimits: {
    loginFailuresBeforeDelay: number;
    loginDelayBaseSeconds: number;
    loginDelayMaxSeconds: number;
    loginLockoutAfterFailures: number;
    loginAttemptsPerIp: number;
    loginAttemptsPerIpAndAccount: number;
    loginAttemptWindowSeconds: number;
    mfaFailuresBeforeDelay: number;
    tokenRequestsPerClientPerMinute: number;
    tokenAuthFailuresPerIpAndClient: number;
    tokenAuthFailuresPerIp: number;
    /** Wrong user codes on the device page per 15 minutes, per client IP and per browser session. */
    userCodeFailuresPerIp: number;
    userCodeFailuresPerSession: number;
    mailRequestsPerAddressPerHour: number;
    mailRequestsPerIpPerHour: number;
    apiRequestsPerClientPerMinute: number;
  };
  /** Outgoing mail: SMTP when smtpUrl is set, otherwise files in outboxDir (docs/accounts.md). */
  mail: { smtpUrl?: string; from: string; outboxDir: string };
  signup: { enabled: boolean; allowedDomains: string[] };
  /** Lifetimes of the links mailed for email verification (and email change) and password reset. */
  accountLinks: { verificationTtl: number; resetTtl: number };
  /** NIST SP 800-63B §3.1.1.2: lengths in code points; the shorter minimum needs a second factor. */
  passwordPolicy: { minLength: number; minLengthWithMfa: number; maxLength: number };
  /** How fresh a sign-in must be for sensitive account changes (email change). */
  recentLoginSeconds: number;
  /** PASSKEY_OFFER_DAYS: days the sign-in's passkey offer waits after "Not now"; 0 never offers it. */
  passkeyOfferDays: number;
  /** Admin console: how recent the operator's (multi-factor) sign-in must be for a change. */
  consoleRecentSignInSeconds: number;
  /** SCIM provisioning (docs/scim.md): SCIM path → custom attribute pairs, and the invitation link's lifetime. */
  scim: { attributeMapping: string; invitationTtl: number };
  /**
   * Audit log retention in days (undefined keeps every event), and whether denied permission checks
   * are recorded (off by default: resource servers may ask thousands of times a second).
   */
  audit: { retentionDays?: number; permissionDenials: boolean };
  /** Personal data (docs/privacy.md): days a self-service deletion waits for a cancelling sign-in (0: at once). */
  privacy: {
    deletionGraceDays: number;
    /** Unset: an event's address and user agent are kept as long as the event. */
    networkRetentionDays?: number;
    mailRetentionDays: number;
    /** Unset: no account is deleted for inactivity. */
    inactiveDays?: number;
    inactiveWarningDays: number;
  };
  /** Non-public destinations (addresses, CIDR ranges, host names) that webhooks and upstream connections may reach. */
  outboundAllowList: string[];
  /**
   * The schema's variables as they were given (only those; empty ones left out), so the effective
   * settings can be shown, masked, to operators (GET /admin/api/v1/settings). Holds secrets: never log it.
   */
  environment: Readonly<Record<string, string>>;
}

export class ConfigError extends Error {}

export interface LoadedConfig {
  config: Readonly<Config>;
  /** Messages to log once a logger exists: insecure or generated settings. */
  warnings: string[];
}

/** Every variable of the schema with its default applied; a bad value throws a ConfigError that names it. */
export function parseEnvironment(env: NodeJS.ProcessEnv): Environment {
  const parsed = environmentSchema.safeParse(stripEmpty(env));
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error));
  return parsed.data;
}

/** Parses the environment once; a bad value throws a ConfigError that names the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const e = parseEnvironment(env);
  const warnings: string[] = [];
  const dataDir = resolve(e.DATA_DIR);
  const issuer = (e.ISSUER ?? `http://localhost:${e.PORT}`).replace(/\/$/, '');

  let serverSecrets = e.SERVER_SECRET;
  if (!serverSecrets) {
    if (e.DATABASE_URL) {
      throw new ConfigError('SERVER_SECRET: required when DATABASE_URL is set, so that every instance shares it');
    }
    const generated = loadOrCreateEmbeddedSecret(dataDir);
    serverSecrets = generated.secrets;
    warnings.push(
      `SERVER_SECRET is not set: using the secret generated in ${generated.path}. ` +
        'Back it up with the data folder; set SERVER_SECRET in production.',
    );
  }
  if (e.ADMIN_PASSWORD && !e.ADMIN_EMAIL) throw new ConfigError('ADMIN_PASSWORD: set ADMIN_EMAIL too, or leave both unset');
  // This server speaks plain HTTP: an https issuer means TLS ends at a proxy in front, whose
  // X-Forwarded-Proto must be believed, or no secure cookie could ever be set.
  if (issuer.startsWith('https://') && e.TRUSTED_PROXIES.length === 0) {
    throw new ConfigError('TRUSTED_PROXIES: ISSUER is https, so TLS ends at a proxy; list its address (or a range such as 10.0.0.0/8, or "uniquelocal")');
  }
  if (!e.SMTP_URL && e.DATABASE_URL) {
    warnings.push(`SMTP_URL is not set: mail is written to ${resolve(dataDir, 'outbox')} instead of being sent.`);
  }
  if (!issuer.startsWith('https://')) {
    warnings.push(`ISSUER ${issuer} is not https: cookies are not marked Secure. Use https in production.`);
  }

  if (e.METRICS_PORT !== undefined && !['127.0.0.1', '::1', 'localhost'].includes(e.METRICS_HOST)) {
    warnings.push(`METRICS_HOST ${e.METRICS_HOST}: /metrics has no authentication; keep port ${e.METRICS_PORT} reachable by the scraper only.`);
  }
  const sessions = {
    idleTimeout: e.SESSION_IDLE_TIMEOUT,
    maxLifetime: e.SESSION_MAX_LIFETIME,
    rememberMe: e.SESSION_REMEMBER_ME,
    rememberIdleTimeout: e.SESSION_REMEMBER_IDLE_TIMEOUT,
    rememberMaxLifetime: e.SESSION_REMEMBER_MAX_LIFETIME ?? e.SESSION_TTL ?? 30 * 24 * 3600,
  };
  if (sessions.idleTimeout > sessions.maxLifetime) throw new ConfigError('SESSION_IDLE_TIMEOUT: must not exceed SESSION_MAX_LIFETIME');
  if (sessions.rememberIdleTimeout < sessions.idleTimeout) throw new ConfigError('SESSION_REMEMBER_IDLE_TIMEOUT: must be at least SESSION_IDLE_TIMEOUT');
  if (sessions.rememberMaxLifetime < sessions.maxLifetime) throw new ConfigError('SESSION_REMEMBER_MAX_LIFETIME: must be at least SESSION_MAX_LIFETIME');
  if (sessions.rememberIdleTimeout > sessions.rememberMaxLifetime) {
    throw new ConfigError('SESSION_REMEMBER_IDLE_TIMEOUT: must not exceed SESSION_REMEMBER_MAX_LIFETIME');
  }
  if (e.SESSION_TTL !== undefined) warnings.push('SESSION_TTL is deprecated: set SESSION_REMEMBER_MAX_LIFETIME (and the other SESSION_* lifetimes) instead.');

  const brandColors = Object.fromEntries(
    Object.entries({ primary: e.BRAND_PRIMARY_COLOR, background: e.BRAND_BACKGROUND_COLOR, primaryDark: e.BRAND_PRIMARY_COLOR_DARK, backgroundDark: e.BRAND_BACKGROUND_COLOR_DARK }).filter(([, value]) => value !== undefined),
  ) as BrandColors;
  const contrast = contrastProblems(brandColors);
  if (contrast.length) throw new ConfigError(contrast.join('; '));

  const config: Config = {
    port: e.PORT,
    host: e.HOST,
    issuer,
    dataDir,
    database: {
      kind: e.DATABASE_URL ? 'postgres' : 'pglite',
      url: e.DATABASE_URL,
      schema: e.DATABASE_SCHEMA,
      poolMax: e.DATABASE_POOL_MAX,
      statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
    },
    redis: {
      url: e.REDIS_URL,
      mode: e.REDIS_MODE,
      sentinelName: e.REDIS_SENTINEL_NAME,
      keyPrefix: e.REDIS_KEY_PREFIX,
      commandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
    },
    shortLivedStore: e.REDIS_URL ? 'redis' : 'sql',
    serverSecrets,
    logLevel: e.LOG_LEVEL,
    bcryptCost: e.BCRYPT_COST,
    product: { name: e.PRODUCT_NAME, logoUrl: e.PRODUCT_LOGO_URL, faviconUrl: e.PRODUCT_FAVICON_URL, supportUrl: e.PRODUCT_SUPPORT_URL },
    brand: { colors: brandColors, themeDir: e.THEME_DIR ? resolve(e.THEME_DIR) : undefined },
    i18n: { defaultLocale: e.DEFAULT_LOCALE, localesDir: e.LOCALES_DIR },
    bootstrapAdmin: e.ADMIN_EMAIL ? { email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD } : undefined,
    tokens: {
      accessTokenTtl: e.ACCESS_TOKEN_TTL,
      accessTokenAlg: e.ACCESS_TOKEN_ALG,
      idTokenTtl: e.ID_TOKEN_TTL,
      refreshTokenTtl: e.REFRESH_TOKEN_TTL,
      sessionTtl: sessions.rememberMaxLifetime,
      interactionTtl: e.INTERACTION_TTL,
    },
    sessions,
    keyRefreshIntervalMs: e.KEY_REFRESH_INTERVAL_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    shutdownDrainDelayMs: e.SHUTDOWN_DRAIN_DELAY_MS,
    metrics: e.METRICS_PORT === undefined ? undefined : { port: e.METRICS_PORT, host: e.METRICS_HOST },
    secureCookies: issuer.startsWith('https://'),
    trustedProxies: e.TRUSTED_PROXIES,
    rateLimits: {
      loginFailuresBeforeDelay: e.LOGIN_FAILURES_BEFORE_DELAY,
      loginDelayBaseSeconds: e.LOGIN_DELAY_BASE_SECONDS,
      loginDelayMaxSeconds: e.LOGIN_DELAY_MAX_SECONDS,
      loginLockoutAfterFailures: e.LOGIN_LOCKOUT_AFTER_FAILURES,
      loginAttemptsPerIp: e.LOGIN_ATTEMPTS_PER_IP,
      loginAttemptsPerIpAndAccount: e.LOGIN_ATTEMPTS_PER_IP_AND_ACCOUNT,
      loginAttemptWindowSeconds: e.LOGIN_ATTEMPT_WINDOW_SECONDS,
      mfaFailuresBeforeDelay: e.MFA_FAILURES_BEFORE_DELAY,
      tokenRequestsPerClientPerMinute: e.TOKEN_REQUESTS_PER_CLIENT_PER_MINUTE,
      tokenAuthFailuresPerIpAndClient: e.TOKEN_AUTH_FAILURES_PER_IP_AND_CLIENT,
      tokenAuthFailuresPerIp: e.TOKEN_AUTH_FAILURES_PER_IP,
      userCodeFailuresPerIp: e.USER_CODE_FAILURES_PER_IP,
      userCodeFailuresPerSession: e.USER_CODE_FAILURES_PER_SESSION,
      mailRequestsPerAddressPerHour: e.MAIL_REQUESTS_PER_ADDRESS_PER_HOUR,
      mailRequestsPerIpPerHour: e.MAIL_REQUESTS_PER_IP_PER_HOUR,
      apiRequestsPerClientPerMinute: e.API_REQUESTS_PER_CLIENT_PER_MINUTE,
    },
    mail: {
      smtpUrl: e.SMTP_URL,
      from: e.MAIL_FROM ?? `${e.PRODUCT_NAME} <no-reply@${new URL(issuer).hostname}>`,
      outboxDir: resolve(dataDir, 'outbox'),
    },
    signup: { enabled: e.SIGNUP_ENABLED, allowedDomains: e.SIGNUP_ALLOWED_DOMAINS },
    accountLinks: { verificationTtl: e.EMAIL_VERIFICATION_TTL, resetTtl: e.PASSWORD_RESET_TTL },
    passwordPolicy: {
      minLength: e.PASSWORD_MIN_LENGTH,
      minLengthWithMfa: Math.min(e.PASSWORD_MIN_LENGTH_WITH_MFA, e.PASSWORD_MIN_LENGTH),
      maxLength: e.PASSWORD_MAX_LENGTH,
    },
    recentLoginSeconds: e.RECENT_LOGIN_SECONDS,
    passkeyOfferDays: e.PASSKEY_OFFER_DAYS,
    consoleRecentSignInSeconds: e.CONSOLE_RECENT_SIGN_IN_SECONDS,
    scim: { attributeMapping: e.SCIM_ATTRIBUTE_MAPPING, invitationTtl: e.SCIM_INVITATION_TTL },
    audit: { retentionDays: e.AUDIT_RETENTION_DAYS, permissionDenials: e.AUDIT_PERMISSION_DENIALS },
    privacy: {
      deletionGraceDays: e.ACCOUNT_DELETION_GRACE_DAYS,
      networkRetentionDays: e.EVENT_NETWORK_RETENTION_DAYS,
      mailRetentionDays: e.MAIL_RETENTION_DAYS,
      inactiveDays: e.ACCOUNT_INACTIVE_DAYS,
      inactiveWarningDays: e.ACCOUNT_INACTIVE_WARNING_DAYS,
    },
    outboundAllowList: e.OUTBOUND_ALLOWED_HOSTS,
    environment: Object.fromEntries(Object.entries(stripEmpty(env)).filter(([name]) => name in environmentSchema.shape)),
  };
  return { config: deepFreeze(config), warnings };
}

/** Describes the storage mode in one line for the start-up log. */
export function describeStorage(config: Config): string {
  const database = config.database.kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.dataDir}`;
  const shortLived = config.shortLivedStore === 'redis' ? 'Redis (REDIS_URL)' : 'the SQL database (no REDIS_URL)';
  return `accounts and grants in ${database}; sessions and short-lived tokens in ${shortLived}`;
}

function stripEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`).join('; ');
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

import { resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../../src/config/load.js';

// Every case passes SERVER_SECRET (or fails before it is needed): without it, loading generates a
// secret file in DATA_DIR, which is I/O and belongs to the integration tests.
const SECRET = 'unit-test-server-secret-0123456789-abcdef';
const OLDER_SECRET = 'older-server-secret-0123456789-abcdefghij';

/** The ConfigError that loading `env` throws; fails the test if it throws anything else or nothing. */
function configErrorFor(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${Object.keys(env).join(', ')}`);
}

describe('loadConfig', () => {
  it('gives a newcomer the documented defaults: port 3000, embedded storage, bcrypt cost 12', () => {
    const { config, warnings } = loadConfig({ SERVER_SECRET: SECRET });
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      issuer: 'http://localhost:3000',
      dataDir: resolve('./data'),
      database: { kind: 'pglite', url: undefined, poolMax: 10, statementTimeoutMs: 5000 },
      redis: { url: undefined, keyPrefix: 'idp:', commandTimeoutMs: 2000 },
      shortLivedStore: 'sql',
      serverSecrets: [SECRET],
      logLevel: 'info',
      bcryptCost: 12,
      secureCookies: false,
      trustedProxies: [],
      tokens: { accessTokenTtl: 900, accessTokenAlg: 'ES256', refreshTokenTtl: 2_592_000 },
    });
    expect(warnings.join('\n')).toContain('not https');
  });

  it('derives the issuer from PORT, drops a trailing slash, and marks cookies Secure on https', () => {
    expect(loadConfig({ SERVER_SECRET: SECRET, PORT: '8080' }).config.issuer).toBe('http://localhost:8080');
    const { config, warnings } = loadConfig({ SERVER_SECRET: SECRET, ISSUER: 'https://id.example.com/', TRUSTED_PROXIES: '10.0.0.0/8' });
    expect(config.issuer).toBe('https://id.example.com');
    expect(config.secureCookies).toBe(true);
    expect(warnings.join('\n')).not.toContain('not https');
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ SERVER_SECRET: SECRET, PORT: '', DATABASE_URL: '' }).config).toMatchObject({ port: 3000, database: { kind: 'pglite' } });
  });

  it('selects PostgreSQL and Redis when their URLs are set', () => {
    const { config } = loadConfig({ SERVER_SECRET: SECRET, DATABASE_URL: 'postgres://idp@db:5432/idp', REDIS_URL: 'redis://cache:6379' });
    expect(config).toMatchObject({ database: { kind: 'postgres', url: 'postgres://idp@db:5432/idp' }, shortLivedStore: 'redis' });
  });

  it('returns a frozen config, nested objects included', () => {
    const { config } = loadConfig({ SERVER_SECRET: SECRET });
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.database as { kind: string }).kind = 'postgres';
    }).toThrow(TypeError);
    expect(() => (config.serverSecrets as string[]).push('x')).toThrow(TypeError);
  });

  it.each(['abc', '70000', '-1', '3000.5'])('refuses PORT=%s with a ConfigError naming PORT', (port) => {
    expect(configErrorFor({ SERVER_SECRET: SECRET, PORT: port }).message).toMatch(/^PORT: /);
  });

  it.each(['not a url', 'mysql://idp@db/idp', 'http://db:5432/idp'])('refuses DATABASE_URL=%s with a ConfigError naming DATABASE_URL', (url) => {
    expect(configErrorFor({ SERVER_SECRET: SECRET, DATABASE_URL: url }).message).toMatch(/^DATABASE_URL: must be a postgres/);
  });

  it('refuses other bad values by name too', () => {
    expect(configErrorFor({ SERVER_SECRET: SECRET, REDIS_URL: 'http://cache' }).message).toMatch(/^REDIS_URL: /);
    expect(configErrorFor({ SERVER_SECRET: SECRET, BCRYPT_COST: '3' }).message).toMatch(/^BCRYPT_COST: /);
    expect(configErrorFor({ SERVER_SECRET: SECRET, LOG_LEVEL: 'loud' }).message).toMatch(/^LOG_LEVEL: /);
  });

  it('reads Sentinel and Cluster node lists, and metrics only on their own port', () => {
    const { config, warnings } = loadConfig({
      SERVER_SECRET: SECRET,
      DATA_DIR: '/tmp/unused-idp-test',
      REDIS_URL: 'redis://:pw@s1:26379,redis://s2:26379',
      REDIS_MODE: 'sentinel',
      REDIS_SENTINEL_NAME: 'idp',
      METRICS_PORT: '9464',
    });
    expect(config.redis).toMatchObject({ mode: 'sentinel', sentinelName: 'idp', url: 'redis://:pw@s1:26379,redis://s2:26379' });
    expect(config.metrics).toEqual({ port: 9464, host: '127.0.0.1' });
    expect(warnings.join('\n')).not.toContain('METRICS_HOST');
    expect(loadConfig({ SERVER_SECRET: SECRET, DATA_DIR: '/tmp/unused-idp-test' }).config.metrics).toBeUndefined();
    const exposed = loadConfig({ SERVER_SECRET: SECRET, DATA_DIR: '/tmp/unused-idp-test', METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' });
    expect(exposed.warnings.join('\n')).toContain('METRICS_HOST 0.0.0.0');
    expect(configErrorFor({ SERVER_SECRET: SECRET, REDIS_URL: 'redis://a:1,http://b' }).message).toMatch(/^REDIS_URL: /);
    expect(configErrorFor({ SERVER_SECRET: SECRET, REDIS_MODE: 'ring' }).message).toMatch(/^REDIS_MODE: /);
  });

  it('names every bad variable at once', () => {
    const { message } = configErrorFor({ SERVER_SECRET: SECRET, PORT: 'abc', DATABASE_URL: 'mysql://db' });
    expect(message).toContain('PORT: ');
    expect(message).toContain('DATABASE_URL: ');
  });

  it('requires SERVER_SECRET when DATABASE_URL is set, so every instance shares one', () => {
    expect(configErrorFor({ DATABASE_URL: 'postgres://idp@db/idp' }).message).toMatch(/^SERVER_SECRET: required when DATABASE_URL is set/);
  });

  it('reads SERVER_SECRET as a comma list, newest first, trimming spaces and dropping empty parts', () => {
    const { config } = loadConfig({ SERVER_SECRET: ` ${SECRET} ,, ${OLDER_SECRET} ` });
    expect(config.serverSecrets).toEqual([SECRET, OLDER_SECRET]);
  });

  it('refuses a secret shorter than 32 characters, anywhere in the list', () => {
    expect(configErrorFor({ SERVER_SECRET: 'too-short' }).message).toMatch(/^SERVER_SECRET\b.*at least 32 characters/);
    expect(configErrorFor({ SERVER_SECRET: `${SECRET},too-short` }).message).toMatch(/^SERVER_SECRET\b/);
  });

  it('never puts a secret or a credential in its message', () => {
    const short = 'hunter2-short-secret';
    const cases: Array<[Record<string, string>, string[]]> = [
      [{ SERVER_SECRET: short }, [short]],
      [{ SERVER_SECRET: `${SECRET},${short}` }, [SECRET, short]],
      [{ SERVER_SECRET: SECRET, PORT: 'abc' }, [SECRET]],
      [{ SERVER_SECRET: SECRET, DATABASE_URL: 'mysql://admin:pa55word-in-url@db/idp' }, [SECRET, 'pa55word-in-url']],
      [{ SERVER_SECRET: SECRET, ADMIN_PASSWORD: 'Adm1n!' }, [SECRET, 'Adm1n!']],
    ];
    for (const [env, secrets] of cases) {
      const { message } = configErrorFor(env);
      for (const secret of secrets) expect(message).not.toContain(secret);
    }
  });
});

describe('loadConfig: deployment mistakes caught at start', () => {
  it('refuses an https issuer without a trusted proxy, an issuer with a path, and ADMIN_PASSWORD alone', () => {
    expect(() => loadConfig({ SERVER_SECRET: SECRET, ISSUER: 'https://id.example.com' })).toThrow(/TRUSTED_PROXIES/);
    expect(() => loadConfig({ SERVER_SECRET: SECRET, ISSUER: 'http://id.example.com/idp' })).toThrow(/ISSUER: must be an origin/);
    expect(() => loadConfig({ SERVER_SECRET: SECRET, ISSUER: 'not a url' })).toThrow(/ISSUER/);
    expect(() => loadConfig({ SERVER_SECRET: SECRET, ADMIN_PASSWORD: 'long enough password' })).toThrow(/ADMIN_PASSWORD/);
    expect(() => loadConfig({ SERVER_SECRET: SECRET, TRUSTED_PROXIES: 'example.com' })).toThrow(/TRUSTED_PROXIES/);
  });
});

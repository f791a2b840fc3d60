import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../../src/config/load.js';
import { environmentSchema } from '../../../src/config/schema.js';
import { effectiveSettings, isSecretName, maskUrlCredentials, SECRET_SETTINGS, shownSettings } from '../../../src/config/settings.js';

const SECRET = 'unit-test-server-secret-0123456789-abcdef';

describe('the settings the audit trail compares between starts', () => {
  it('masks exactly the variables that hold a secret as a whole', () => {
    expect(Object.keys(environmentSchema.shape).filter(isSecretName).sort()).toEqual(['ADMIN_PASSWORD', 'SERVER_SECRET']);
    for (const future of ['SMTP_PASSWORD', 'SIGNING_KEY', 'API_TOKEN', 'OIDC_CLIENT_SECRET']) expect(isSecretName(future)).toBe(true);
    for (const visible of ['PASSWORD_MIN_LENGTH', 'ACCESS_TOKEN_TTL', 'REDIS_KEY_PREFIX', 'KEY_REFRESH_INTERVAL_MS']) expect(isSecretName(visible)).toBe(false);
  });

  it('cuts credentials out of URLs, even a password with unencoded delimiters, and leaves plain values alone', () => {
    expect(maskUrlCredentials('postgres://idp:s3cret@db.example.com:5432/idp')).toBe('postgres://[masked]@db.example.com:5432/idp');
    expect(maskUrlCredentials('redis://:pa/ss?w@rd@cache:6379')).toBe('redis://[masked]@cache:6379');
    expect(maskUrlCredentials('postgres://db/idp?sslmode=require&sslpassword=hunter2')).toBe('postgres://db/idp?sslmode=require&sslpassword=[masked]');
    expect(maskUrlCredentials('redis://:one@r1:26379, redis://:two@r2:26379')).toBe('redis://[masked]@r1:26379, redis://[masked]@r2:26379');
    expect(maskUrlCredentials('postgres://idp:pa,ss@db/idp')).toBe('postgres://[masked]@db/idp');
    expect(maskUrlCredentials('https://id.example.com')).toBeUndefined();
    expect(maskUrlCredentials('Identity <no-reply@example.com>')).toBeUndefined();
  });

  it('lists every variable with its effective value, and no secret in anything shown', () => {
    const env = {
      SERVER_SECRET: SECRET,
      DATA_DIR: '/srv/idp',
      DATABASE_URL: 'postgres://idp:db-password-1@db.example.com/idp',
      SMTP_URL: 'smtps://mailer:smtp-password-2@smtp.example.com',
      ADMIN_EMAIL: 'admin@example.com',
      ADMIN_PASSWORD: 'admin-password-3',
    };
    const settings = effectiveSettings(env, loadConfig(env).config);
    expect(Object.keys(settings).sort()).toEqual(Object.keys(environmentSchema.shape).sort());
    expect(settings).toMatchObject({
      PORT: { shown: 3000 },
      ISSUER: { shown: 'http://localhost:3000' },
      AUDIT_RETENTION_DAYS: { shown: null },
      SERVER_SECRET: { shown: '[masked]' },
      ADMIN_PASSWORD: { shown: '[masked]', secret: '"admin-password-3"' },
      DATABASE_URL: { shown: 'postgres://[masked]@db.example.com/idp' },
      SMTP_URL: { shown: 'smtps://[masked]@smtp.example.com' },
    });
    const shown = JSON.stringify(Object.values(settings).map((setting) => setting.shown));
    for (const secret of [SECRET, 'db-password-1', 'smtp-password-2', 'admin-password-3']) expect(shown).not.toContain(secret);
  });

  it('shows operators (GET /settings) only the masked values, from the variables the configuration was loaded from', () => {
    const env = { SERVER_SECRET: SECRET, DATABASE_URL: 'postgres://idp:db-password-1@db.example.com/idp', ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: 'admin-password-3', NOT_A_SETTING: 'ignored' };
    const { config } = loadConfig(env);
    expect(config.environment).not.toHaveProperty('NOT_A_SETTING');
    const shown = shownSettings(config);
    for (const name of SECRET_SETTINGS) expect(shown[name]).toBe('[masked]');
    expect(shown.DATABASE_URL).toBe('postgres://[masked]@db.example.com/idp');
    const text = JSON.stringify(shown);
    for (const secret of [SECRET, 'db-password-1', 'admin-password-3']) expect(text).not.toContain(secret);
  });
});

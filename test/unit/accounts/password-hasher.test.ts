import { describe, expect, it } from '@jest/globals';
import bcrypt from 'bcrypt';
import { createBcryptHasher } from '../../../src/accounts/password-hasher.js';
import { loadConfig } from '../../../src/config/load.js';

// The lowest cost bcrypt allows keeps these quick; one case below uses the configured default.
const hasher = createBcryptHasher(4);

describe('bcrypt password hasher', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hasher.hash('correct horse battery staple');
    expect(await hasher.verify('correct horse battery staple', hash)).toBe(true);
    expect(await hasher.verify('correct horse battery stapler', hash)).toBe(false);
    expect(await hasher.verify('', hash)).toBe(false);
  });

  it('never stores the password, and salts each hash', async () => {
    const [first, second] = [await hasher.hash('correct horse'), await hasher.hash('correct horse')];
    expect(first).not.toBe(second);
    expect(first).not.toContain('correct horse');
    expect(first).toMatch(/^\$2[aby]\$04\$/);
  });

  it('treats a 100-character password and its first 72 characters as different passwords', async () => {
    const long = 'x'.repeat(72) + 'y'.repeat(28);
    const hash = await hasher.hash(long);
    expect(await hasher.verify(long, hash)).toBe(true);
    expect(await hasher.verify(long.slice(0, 72), hash)).toBe(false);
    expect(await hasher.verify(`${long.slice(0, 99)}z`, hash)).toBe(false);
  });

  it('tells apart passwords that differ only after 72 bytes of multi-byte characters', async () => {
    const prefix = '€'.repeat(24); // 72 bytes in UTF-8
    const hash = await hasher.hash(`${prefix}a`);
    expect(await hasher.verify(`${prefix}b`, hash)).toBe(false);
  });

  it('tells apart passwords that differ only after a NUL character', async () => {
    const hash = await hasher.hash('before\0after');
    expect(await hasher.verify('before\0other', hash)).toBe(false);
    expect(await hasher.verify('before', hash)).toBe(false);
  });

  it('accepts a password typed in another Unicode form (NFKC)', async () => {
    const hash = await hasher.hash('café ﬁle Ｐａｓｓ');
    expect(await hasher.verify('cafe\u0301 file Pass', hash)).toBe(true);
    expect(await hasher.verify('cafe file Pass', hash)).toBe(false);
  });

  it.each([
    ['an empty string', ''],
    ['garbage', 'not-a-bcrypt-hash'],
    ['a truncated hash', '$2b$04$abcdefghijklmnopqrstuu'],
    ['a hash of another scheme', '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA'],
  ])('returns false instead of throwing for %s as the stored hash', async (_case, stored) => {
    await expect(hasher.verify('correct horse', stored)).resolves.toBe(false);
  });

  it('returns false instead of throwing when the stored hash is missing altogether', async () => {
    await expect(hasher.verify('correct horse', undefined as unknown as string)).resolves.toBe(false);
  });

  it('asks for a rehash exactly when the cost changed', async () => {
    const hash = await hasher.hash('correct horse');
    expect(hasher.needsRehash(hash)).toBe(false);
    expect(createBcryptHasher(5).needsRehash(hash)).toBe(true);
    const upgraded = await createBcryptHasher(5).hash('correct horse');
    expect(createBcryptHasher(5).needsRehash(upgraded)).toBe(false);
    expect(hasher.needsRehash(upgraded)).toBe(true);
  });

  it('resolves a decoy comparison for any password without matching anything', async () => {
    await expect(hasher.decoyVerify('whatever was typed')).resolves.toBeUndefined();
    await expect(hasher.decoyVerify('')).resolves.toBeUndefined();
  });

  it('hashes at the configured default cost, which is at least 11', async () => {
    // SERVER_SECRET is given so that loading the config does not generate one on disk.
    const { bcryptCost } = loadConfig({ SERVER_SECRET: 'unit-test-secret-0123456789-abcdefghij' }).config;
    expect(bcryptCost).toBeGreaterThanOrEqual(11);
    const atDefault = createBcryptHasher(bcryptCost);
    const hash = await atDefault.hash('correct horse');
    expect(bcrypt.getRounds(hash)).toBe(bcryptCost);
    expect(await atDefault.verify('correct horse', hash)).toBe(true);
    expect(atDefault.needsRehash(hash)).toBe(false);
    expect(hasher.needsRehash(hash)).toBe(true);
  });
});

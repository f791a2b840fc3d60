import { describe, expect, it } from '@jest/globals';
import type { ClientRow } from '../../../src/clients/queries.js';
import { ACR_MFA, ACR_PHISHING_RESISTANT, createMfaPolicy, stageFor } from '../../../src/mfa/policy.js';
import { canRemovePassword, offerSnoozedUntil, passkeyOfferDue } from '../../../src/passkeys/policy.js';

interface World {
  totp?: boolean;
  passkey?: boolean;
  client?: Partial<ClientRow>;
  groupMfa?: boolean;
  groupPasskey?: boolean;
}

/** The MFA policy over a fake world: which factors the account has, what the client and its groups require. */
function policyOf(world: World, reads = { passkeys: 0 }) {
  return createMfaPolicy({
    mfa: { hasFactor: async () => world.totp === true },
    clients: { findClient: async (id: string) => (id === 'app' ? ({ client_id: 'app', require_mfa: false, require_phishing_resistant: false, ...world.client } as ClientRow) : undefined) },
    groupsRequireMfa: async () => world.groupMfa === true,
    groupsRequirePhishingResistant: async () => world.groupPasskey === true,
    hasPasskey: async () => (reads.passkeys++, world.passkey === true),
  });
}

describe('phishing-resistant requirement (mfa/policy.ts)', () => {
  it('is demanded by acr_values, by the client flag and by a group flag alike', async () => {
    await expect(policyOf({}).phishingResistantRequired('a', 'app', `${ACR_MFA} ${ACR_PHISHING_RESISTANT}`)).resolves.toBe(true);
    await expect(policyOf({ client: { require_phishing_resistant: true } }).phishingResistantRequired('a', 'app')).resolves.toBe(true);
    await expect(policyOf({ groupPasskey: true }).phishingResistantRequired('a', 'app')).resolves.toBe(true);
    await expect(policyOf({ client: { require_mfa: true }, groupMfa: true }).phishingResistantRequired('a', 'app', ACR_MFA)).resolves.toBe(false);
    // An unknown client requires nothing by itself; the group still does.
    await expect(policyOf({ groupPasskey: true }).phishingResistantRequired('a', 'gone')).resolves.toBe(true);
  });

  it('leads an account with no factor to passkey enrollment, never to TOTP, when a passkey is demanded', async () => {
    for (const world of [{ client: { require_phishing_resistant: true } }, { groupPasskey: true }] as World[]) {
      await expect(policyOf(world).requirement('a', 'app')).resolves.toBe('enroll_passkey');
      await expect(policyOf({ ...world, client: { ...world.client, require_mfa: true } }).requirement('a', 'app')).resolves.toBe('enroll_passkey');
    }
    await expect(policyOf({}).requirement('a', 'app', ACR_PHISHING_RESISTANT)).resolves.toBe('enroll_passkey');
    expect(stageFor('enroll_passkey')).toBe('enroll_passkey');
  });

  it('challenges an account with TOTP only, and marks it for a passkey after the code', async () => {
    const policy = policyOf({ totp: true, client: { require_phishing_resistant: true } });
    await expect(policy.requirement('a', 'app')).resolves.toBe('challenge');
    await expect(policy.stepUp('a', 'app')).resolves.toEqual({ requirement: 'challenge', enrolls: true });
    const holder = policyOf({ totp: true, passkey: true, client: { require_phishing_resistant: true } });
    await expect(holder.stepUp('a', 'app')).resolves.toEqual({ requirement: 'challenge', enrolls: false });
    await expect(policyOf({ totp: true }).stepUp('a', 'app')).resolves.toEqual({ requirement: 'challenge', enrolls: false });
    await expect(policy.passkeyDemand('a', 'app')).resolves.toBe('enroll');
    await expect(holder.passkeyDemand('a', 'app')).resolves.toBe('use');
    await expect(policyOf({ totp: true }).passkeyDemand('a', 'app')).resolves.toBe('none');
  });

  it('keeps TOTP enrollment for plain MFA requirements, and nothing when nothing is required', async () => {
    await expect(policyOf({ client: { require_mfa: true } }).requirement('a', 'app')).resolves.toBe('enroll');
    await expect(policyOf({ groupMfa: true }).requirement('a', 'app')).resolves.toBe('enroll');
    await expect(policyOf({}).requirement('a', 'app', ACR_MFA)).resolves.toBe('enroll');
    await expect(policyOf({}).requirement('a', 'app')).resolves.toBe('none');
    expect(stageFor('challenge')).toBe('challenge');
  });

  it('tells a step-up what it enrolls, counting the account\'s passkeys once', async () => {
    const demanded = { client: { require_phishing_resistant: true } };
    for (const [world, expected] of [
      [{ ...demanded, passkey: true }, { requirement: 'challenge', enrolls: false }],
      [{ ...demanded, totp: true }, { requirement: 'challenge', enrolls: true }],
      [demanded, { requirement: 'enroll_passkey', enrolls: true }],
      [{ client: { require_mfa: true } }, { requirement: 'enroll', enrolls: true }],
      [{}, { requirement: 'none', enrolls: false }],
    ] as const) {
      const reads = { passkeys: 0 };
      await expect(policyOf(world, reads).stepUp('a', 'app')).resolves.toEqual(expected);
      expect(reads.passkeys).toBe(1);
    }
  });
});

describe('offer and passwordless rules (passkeys/policy.ts)', () => {
  const now = new Date('2026-12-06T12:00:00Z');

  it('offers a passkey until "Not now", then again once its days are over', () => {
    expect(passkeyOfferDue(undefined, now)).toBe(true);
    const until = offerSnoozedUntil(now, 30);
    expect(until.toISOString()).toBe('2027-01-05T12:00:00.000Z');
    expect(passkeyOfferDue(until, new Date(until.getTime() - 1000))).toBe(false);
    expect(passkeyOfferDue(until, until)).toBe(true);
  });

  it('lets a password go only with a passkey and unused recovery codes', () => {
    expect(canRemovePassword({ passkeys: 1, recoveryCodes: 10 })).toBe(true);
    expect(canRemovePassword({ passkeys: 0, recoveryCodes: 10 })).toBe(false);
    expect(canRemovePassword({ passkeys: 2, recoveryCodes: 0 })).toBe(false);
  });
});

import { AppError } from '../errors/app-error.js';
import { epochSeconds, type Clock } from '../shared/clock.js';
import { SecretBox } from '../shared/secret-box.js';
import type { MfaQueries } from './queries.js';
import { createRecoveryCodeHasher, newRecoveryCodes } from './recovery-codes.js';
import { newTotpSecret, totpUri, verifyTotp } from './totp.js';

export interface MfaStatus {
  totpEnrolled: boolean;
  recoveryCodesRemaining: number;
}

export interface FactorDescription {
  kind: 'totp' | 'recovery_codes' | 'passkey';
  name: string;
  created_at: Date;
  /** Recovery codes not used yet. */
  remaining?: number;
  /** Passkeys: the authenticator's name (from its AAGUID, where known), whether it syncs, its last use. */
  authenticator?: string;
  synced?: boolean;
  last_used_at?: Date | null;
}

export interface Enrollment {
  secret: string;
  uri: string;
}

export type SecondFactorResult = { ok: true; method: 'totp' | 'recovery_code'; recoveryCodesRemaining?: number } | { ok: false };

/** TOTP factors and recovery codes of accounts. */
export function createMfaService(deps: { queries: MfaQueries; serverSecrets: readonly string[]; clock: Clock; issuerName: string }) {
  const { queries, clock } = deps;
  const seeds = new SecretBox(deps.serverSecrets, 'totp-secrets');
  const recoveryHasher = createRecoveryCodeHasher(deps.serverSecrets);

  async function issueRecoveryCodes(accountId: string): Promise<string[]> {
    const codes = newRecoveryCodes();
    await queries.replaceRecoveryCodes(accountId, codes.map((code) => recoveryHasher.hash(code)));
    return codes;
  }

  return {
    async status(accountId: string): Promise<MfaStatus> {
      const totp = await queries.findTotp(accountId);
      return { totpEnrolled: Boolean(totp?.confirmed_at), recoveryCodesRemaining: await queries.countUnusedRecoveryCodes(accountId) };
    },

    /** Kinds, names and dates of the account's factors, never a seed or a code (the account export). */
    async describeFactors(accountId: string): Promise<FactorDescription[]> {
      const totp = await queries.findTotp(accountId);
      if (!totp?.confirmed_at) return [];
      const remaining = await queries.countUnusedRecoveryCodes(accountId);
      const issued = await queries.recoveryCodesIssuedAt(accountId);
      return [
        { kind: 'totp', name: 'Authenticator app', created_at: totp.confirmed_at },
        ...(issued ? [{ kind: 'recovery_codes' as const, name: 'Recovery codes', created_at: issued, remaining }] : []),
      ];
    },

    async hasFactor(accountId: string): Promise<boolean> {
      return Boolean((await queries.findTotp(accountId))?.confirmed_at);
    },

    /** Starts an enrollment: a new secret that becomes active only once a code from it is confirmed. */
    async beginTotpEnrollment(accountId: string, accountLabel: string): Promise<Enrollment> {
      if (await this.hasFactor(accountId)) throw new AppError('MFA_ALREADY_ENROLLED', 409, 'An authenticator app is already set up for this account.');
      const secret = newTotpSecret();
      await queries.upsertPendingTotp(accountId, seeds.seal(secret));
      return { secret, uri: totpUri(secret, deps.issuerName, accountLabel) };
    },

    /** The pending enrollment's secret again (for re-showing the QR code after a wrong code). */
    async pendingEnrollment(accountId: string, accountLabel: string): Promise<Enrollment | undefined> {
      const totp = await queries.findTotp(accountId);
      if (!totp || totp.confirmed_at) return undefined;
      const secret = seeds.open(totp.secret_sealed);
      return { secret, uri: totpUri(secret, deps.issuerName, accountLabel) };
    },

    /** Confirms an enrollment with a code from the app; returns the recovery codes, shown once. */
    async confirmTotpEnrollment(accountId: string, code: string): Promise<string[] | undefined> {
      const totp = await queries.findTotp(accountId);
      if (!totp || totp.confirmed_at) return undefined;
      const step = await verifyTotp(seeds.open(totp.secret_sealed), code.trim(), epochSeconds(clock));
      if (step === undefined) return undefined;
      if ((await queries.confirmTotp(accountId, clock.now(), step)) !== 1) return undefined;
      return issueRecoveryCodes(accountId);
    },

    /** Checks a TOTP code or a recovery code. Each succeeds once: codes are not accepted twice. */
    async verifySecondFactor(accountId: string, input: string): Promise<SecondFactorResult> {
      const code = input.trim();
      if (/^\d{6}$/.test(code.replace(/\s/g, ''))) {
        const totp = await queries.findTotp(accountId);
        if (!totp?.confirmed_at) return { ok: false };
        const lastStep = totp.last_time_step === null ? undefined : Number(totp.last_time_step);
        const step = await verifyTotp(seeds.open(totp.secret_sealed), code.replace(/\s/g, ''), epochSeconds(clock), lastStep);
        if (step === undefined || (await queries.advanceTimeStep(accountId, step)) !== 1) return { ok: false };
        return { ok: true, method: 'totp' };
      }
      const used = await queries.useRecoveryCode(accountId, recoveryHasher.candidates(code), clock.now());
      if (used !== 1) return { ok: false };
      return { ok: true, method: 'recovery_code', recoveryCodesRemaining: await queries.countUnusedRecoveryCodes(accountId) };
    },

    /** Replaces every recovery code with a new set; the old ones stop working at once. */
    async regenerateRecoveryCodes(accountId: string): Promise<string[]> {
      if (!(await this.hasFactor(accountId))) throw new AppError('MFA_NOT_ENROLLED', 409, 'Set up an authenticator app first.');
      return issueRecoveryCodes(accountId);
    },

    /** Removes every factor of the account (self-service removal or an admin reset). */
    async removeAll(accountId: string): Promise<boolean> {
      const [removed] = await Promise.all([queries.deleteTotp(accountId), queries.deleteRecoveryCodes(accountId)]);
      return removed > 0;
    },
  };
}

export type MfaService = ReturnType<typeof createMfaService>;

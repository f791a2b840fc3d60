import { AMR, signedInWithin, usedPasskey } from '../mfa/policy.js';

export interface LinkProofInput {
  hasPassword: boolean;
  /** The session's sign-in: when (epoch seconds) and with what (amr). */
  loginTs?: number;
  amr?: string[];
  nowSeconds: number;
  recentSeconds: number;
  hasSecondFactor(): Promise<boolean>;
}

/**
 * Linking adds a way to sign in, so it needs what a takeover through an open session lacks: a sign-in
 * with the password within RECENT_LOGIN_SECONDS (a step-up does not renew it), with the second factor
 * when the account has one. A passwordless account has no password to sign in with: a recent passkey
 * sign-in (multi-factor by itself) stands for it.
 */
export async function provenForLinking(input: LinkProofInput): Promise<boolean> {
  const amr = input.amr ?? [];
  if (!signedInWithin(input.loginTs, input.nowSeconds, input.recentSeconds)) return false;
  if (!input.hasPassword) return usedPasskey(amr);
  if (!amr.includes(AMR.password)) return false;
  return amr.includes(AMR.multiFactor) || !(await input.hasSecondFactor());
}

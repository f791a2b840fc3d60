import { generate, generateSecret, generateURI, verify } from 'otplib';

/**
 * TOTP as RFC 6238 defines it with the parameters every authenticator app supports: HMAC-SHA-1,
 * 6 digits, 30-second steps (§4, §5.2), a 160-bit secret (RFC 4226 §4 recommends at least 128).
 * One step of drift either way is accepted (RFC 6238 §5.2 suggests at most one step back).
 */
export const TOTP_PERIOD_SECONDS = 30;
const DRIFT_SECONDS = TOTP_PERIOD_SECONDS;

export const newTotpSecret = (): string => generateSecret({ length: 20 });

export function totpUri(secret: string, issuer: string, accountLabel: string): string {
  return generateURI({ issuer, label: accountLabel, secret, period: TOTP_PERIOD_SECONDS, digits: 6, algorithm: 'sha1' });
}

export function totpCode(secret: string, epochSeconds: number): Promise<string> {
  return generate({ secret, epoch: epochSeconds });
}

/**
 * Checks a code at `epochSeconds`. Steps at or before `afterTimeStep` (the last accepted one) are
 * refused, which is what makes a code single-use. Returns the step that matched.
 */
export async function verifyTotp(secret: string, code: string, epochSeconds: number, afterTimeStep?: number): Promise<number | undefined> {
  if (!/^\d{6}$/.test(code)) return undefined;
  try {
    const result = await verify({ secret, token: code, epoch: epochSeconds, epochTolerance: DRIFT_SECONDS, ...(afterTimeStep === undefined ? {} : { afterTimeStep }) });
    // The TOTP result carries the matched step; the union type also covers HOTP, which has none.
    return result.valid && 'timeStep' in result ? (result.timeStep as number) : undefined;
  } catch {
    return undefined;
  }
}

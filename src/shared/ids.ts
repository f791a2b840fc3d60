import { randomBytes, randomUUID } from 'node:crypto';

export const newUuid = (): string => randomUUID();

/** An unguessable token: 256 bits, base64url. */
export const newSecretToken = (): string => randomBytes(32).toString('base64url');

/**
 * A client id: 128 bits is plenty for an identifier that is not a secret. It never starts with "-",
 * which a command line (`idp client delete ID`, and most others) would read as an option.
 */
export function newClientId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

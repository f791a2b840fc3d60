import { randomBytes, randomUUID } from 'node:crypto';

export const newUuid = (): string => randomUUID();

/** An unguessable token: 256 bits, base64url. */
export const newSecretToken = (): string => randomBytes(32).toString('base64url');

/** A client id: 128 bits is plenty for an identifier that is not a secret. */
export const newClientId = (): string => randomBytes(16).toString('base64url');

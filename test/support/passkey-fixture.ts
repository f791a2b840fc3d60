import type { Knex } from 'knex';

/** Google Password Manager's AAGUID: src/passkeys/authenticators.ts names it, and its passkeys sync. */
export const GOOGLE_PASSWORD_MANAGER = 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4';

export interface PasskeyFixture {
  id: string;
  accountId: string;
  /** base64url, unique across accounts. */
  credentialId: string;
  name: string;
  /** No usable key by default: these rows stand for a passkey that exists, never one that signs. */
  publicKey?: string;
  /** Google Password Manager's synced passkey; otherwise a device-bound one without an AAGUID. */
  synced?: boolean;
  /** The account's WebAuthn user handle (one per account), stored before its passkey. */
  userHandle?: string;
}

/**
 * Gives an account a passkey straight in the store, for tests about what having one changes (sign-in
 * demands, removal, export, erasure) that need no ceremony; test/browser/ registers real ones.
 */
export async function insertPasskey(db: Knex, passkey: PasskeyFixture): Promise<void> {
  if (passkey.userHandle) await db('passkey_user_handles').insert({ account_id: passkey.accountId, user_handle: passkey.userHandle });
  await db('passkeys').insert({
    id: passkey.id, account_id: passkey.accountId, credential_id: passkey.credentialId, public_key: passkey.publicKey ?? 'AA',
    sign_count: 0, transports: 'internal', aaguid: passkey.synced ? GOOGLE_PASSWORD_MANAGER : null,
    device_type: passkey.synced ? 'multiDevice' : 'singleDevice', backed_up: Boolean(passkey.synced), name: passkey.name,
  });
}

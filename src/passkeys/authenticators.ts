import { createRequire } from 'node:module';

// `aaguids` (MIT, darthmaim/aaguids) is a maintained JSON map of AAGUID → product name, built from the
// FIDO metadata service and the community passkey-provider list; it needs no network at run time.
const names = createRequire(import.meta.url)('aaguids') as Record<string, string>;

const NO_AAGUID = '00000000-0000-0000-0000-000000000000';

/** The authenticator's product name from its AAGUID, or undefined when unknown or withheld. */
export function authenticatorName(aaguid: string | null | undefined): string | undefined {
  if (!aaguid || aaguid === NO_AAGUID) return undefined;
  return names[aaguid.toLowerCase()];
}

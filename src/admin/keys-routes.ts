import { z } from 'zod';
import 'zod-openapi';
import type { AdminDeps } from './deps.js';
import { route, type AdminRoute } from './route-kit.js';

const timestamp = z.iso.datetime().meta({ description: 'RFC 3339 time' });

const signingKeySchema = z.object({
  kid: z.string(),
  alg: z.string(),
  status: z.enum(['active', 'retired']).meta({ description: 'active: signs new tokens; retired: only verifies what it signed, until remove_after' }),
  public_jwk: z.record(z.string(), z.unknown()).meta({ description: 'The public key (JWK); the private half is never returned' }),
  created_at: timestamp,
  retired_at: timestamp.nullable(),
  remove_after: timestamp.nullable().meta({ description: 'When a retired key leaves JWKS' }),
}).meta({ id: 'SigningKey' });

/** Signing keys over the key service the CLI uses (`idp keys rotate`), recorded with the caller as actor. */
export function keyRoutes(deps: AdminDeps): AdminRoute[] {
  return [
    route({
      method: 'get', path: '/keys', tag: 'keys', summary: 'List the signing keys published in JWKS, newest first (public parts only)',
      response: z.object({ items: z.array(signingKeySchema) }),
      handler: async () => ({ items: await deps.keys.listSigningKeys() }),
    }),
    route({
      method: 'post', path: '/keys/rotate', tag: 'keys', response: z.object({ added: z.array(z.string()) }),
      summary: 'Add a new signing key per algorithm; the previous ones stop signing now and stay in JWKS until what they signed has expired',
      handler: async ({ actor }) => {
        const { added } = await deps.keys.rotateSigningKeys();
        // This instance signs with the new keys at once; the others notice at their next key check.
        await deps.providers.refreshKeys();
        await deps.audit.record({ type: 'keys.rotated', actor, detail: { added } });
        return { added };
      },
    }),
  ];
}

import { z } from 'zod';
import { notFound } from '../errors/app-error.js';
import type { PasskeySummary } from '../passkeys/service.js';
import { isUuid } from '../rbac/subjects.js';
import type { AdminDeps } from './deps.js';
import { route, type AdminRoute } from './route-kit.js';

export const passkeySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    authenticator: z.string().nullable().meta({ description: "The authenticator's product name from its AAGUID, when known" }),
    synced: z.boolean().meta({ description: 'Backup-eligible (a synced passkey), as opposed to bound to one device' }),
    created_at: z.iso.datetime({ offset: true }),
    last_used_at: z.iso.datetime({ offset: true }).nullable(),
  })
  .meta({ id: 'Passkey' });

const passkeyList = z.object({ items: z.array(passkeySchema) }).meta({ id: 'PasskeyList' });

const present = (passkey: PasskeySummary) => ({
  id: passkey.id,
  name: passkey.name,
  authenticator: passkey.authenticator ?? null,
  synced: passkey.synced,
  created_at: passkey.createdAt.toISOString(),
  last_used_at: passkey.lastUsedAt?.toISOString() ?? null,
});

/** An account's passkeys: list, and remove one (never the account's last way in: 409 LAST_WAY_IN). */
export function passkeyRoutes(deps: AdminDeps): AdminRoute[] {
  const requireAccount = async (id: string) => {
    const account = isUuid(id) ? await deps.accounts.findById(id) : undefined;
    if (!account) throw notFound('no account with this id');
    return account;
  };
  return [
    route({
      method: 'get', path: '/accounts/:accountId/passkeys', tag: 'accounts', summary: "List an account's passkeys", response: passkeyList,
      handler: async ({ params }) => ({ items: (await deps.passkeys.list((await requireAccount(params.accountId)).id)).map(present) }),
    }),
    route({
      method: 'delete', path: '/accounts/:accountId/passkeys/:passkeyId', tag: 'accounts', summary: 'Remove one passkey of an account', status: 204,
      handler: async ({ params, actor }) => {
        const account = await requireAccount(params.accountId);
        if (!isUuid(params.passkeyId)) throw notFound('no passkey with this id');
        await deps.passkeyChanges.remove(account, params.passkeyId, { actor: { type: actor.type, id: actor.id }, origin: actor.origin });
        return undefined;
      },
    }),
  ];
}

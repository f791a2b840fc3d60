import { AppError, notFound } from '../errors/app-error.js';

/** The narrow view of accounts and clients that role assignments, memberships and grants need. */
export interface SubjectDirectory {
  findAccount(id: string): Promise<{ id: string; email: string } | undefined>;
  findClient(id: string): Promise<{ client_id: string; name: string; type: string } | undefined>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string) => UUID.test(value);

/** Finds an account or throws 404; a malformed id is just another unknown account. */
export async function requireAccount(directory: SubjectDirectory, id: string) {
  const account = isUuid(id) ? await directory.findAccount(id) : undefined;
  if (!account) throw notFound('no account with this id');
  return account;
}

/** Finds a machine client or throws: 404 when unknown, 400 when it is not a machine client. */
export async function requireMachineClient(directory: SubjectDirectory, id: string) {
  const client = await directory.findClient(id);
  if (!client) throw notFound('no client with this id');
  if (client.type !== 'machine') {
    throw new AppError('NOT_A_MACHINE_CLIENT', 400, 'only machine clients (client credentials) hold roles of their own', { details: { field: 'client_id' } });
  }
  return client;
}

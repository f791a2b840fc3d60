import { notFound } from '../errors/app-error.js';
import type { Page, PageRequest } from '../storage/pagination.js';
import type { CliContext } from './context.js';
import { UsageError } from './context.js';

/** The CLI names things as people do (role and group names, emails, API identifiers); these find them. */

export async function roleNamed(context: CliContext, name: string) {
  const role = await context.roles.findRoleByName(name);
  if (!role) throw notFound(`no role named ${name}`);
  return role;
}

export async function groupNamed(context: CliContext, name: string) {
  const group = await context.groups.findGroupByName(name);
  if (!group) throw notFound(`no group named ${name}`);
  return group;
}

export async function accountWithEmail(context: CliContext, email: string) {
  const account = await context.accounts.findByEmail(email);
  if (!account) throw notFound(`no account with email ${email}`);
  return account;
}

export async function resourceWithIdentifier(context: CliContext, identifier: string) {
  const resource = await context.resources.findResourceByIdentifier(identifier);
  if (!resource) throw notFound(`no API resource ${identifier}`);
  return resource;
}

export async function permissionOf(context: CliContext, identifier: string, name: string) {
  const permission = await context.resources.findPermission(identifier, name);
  if (!permission) throw notFound(`${identifier} declares no permission ${name}`);
  return permission;
}

/** Exactly one of --user EMAIL, --group NAME, --client ID, as a role holder or group member. */
export async function holderFrom(context: CliContext, values: { user?: string; group?: string; client?: string }, allowClient: boolean) {
  const given = [values.user, values.group, allowClient ? values.client : undefined].filter((value) => value !== undefined);
  if (given.length !== 1) throw new UsageError(`name exactly one of --user EMAIL, --group NAME${allowClient ? ', --client CLIENT_ID' : ''}`);
  if (values.user !== undefined) {
    const account = await accountWithEmail(context, values.user);
    return { type: 'account' as const, id: account.id, label: account.email };
  }
  if (values.group !== undefined) {
    const group = await groupNamed(context, values.group);
    return { type: 'group' as const, id: group.id, label: group.name };
  }
  return { type: 'client' as const, id: values.client!, label: values.client! };
}

/** Every item of a paginated listing. */
export async function everything<T>(list: (page: PageRequest) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await list({ limit: 200, cursor });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

export function onePositional(positionals: string[], usage: string): string {
  if (positionals.length !== 1) throw new UsageError(usage);
  return positionals[0];
}

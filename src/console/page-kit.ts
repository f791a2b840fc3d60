import type { Context } from 'koa';
import { renderPage, type PageDeps } from '../accounts/routes/page-kit.js';
import type { Operator } from './guard.js';

/** The console's sections, in the order of its navigation. Sections not built yet are not listed. */
export const SECTIONS = [
  { id: 'overview', href: '/admin', label: 'Overview' },
  { id: 'accounts', href: '/admin/accounts', label: 'Accounts' },
  { id: 'clients', href: '/admin/clients', label: 'Clients' },
  { id: 'events', href: '/admin/events', label: 'Events' },
  { id: 'apis', href: '/admin/resources', label: 'APIs' },
  { id: 'roles', href: '/admin/roles', label: 'Roles' },
  { id: 'groups', href: '/admin/groups', label: 'Groups' },
  { id: 'object-grants', href: '/admin/object-grants', label: 'Object grants' },
  { id: 'connections', href: '/admin/connections', label: 'Connections' },
  { id: 'attributes', href: '/admin/attributes', label: 'Attributes and scopes' },
  { id: 'webhooks', href: '/admin/webhooks', label: 'Webhooks' },
  { id: 'keys', href: '/admin/keys', label: 'Signing keys' },
  { id: 'settings', href: '/admin/settings', label: 'Settings' },
] as const;

export type SectionId = (typeof SECTIONS)[number]['id'];

/**
 * Notices shown after a change (the 303 carries a key, never text, so nothing a link can inject is
 * echoed on the page).
 */
const NOTICES: Record<string, string> = {
  disabled: 'The account is disabled and its sessions have ended.',
  enabled: 'The account is enabled.',
  unlocked: 'The account is unlocked and its failed sign-ins are forgotten.',
  'sessions-ended': 'Every session of the account has ended.',
  'session-ended': 'The session has ended.',
  'client-created': 'The client is registered.',
  'client-saved': 'The client is saved.',
  'secret-rotated': 'The secret is rotated: the old one no longer works.',
  'client-deleted': 'The client is deleted.',
  'api-created': 'The API is registered. Add its permissions below.',
  'api-saved': 'The API is saved.',
  'api-deleted': 'The API and its permissions are deleted.',
  'permission-added': 'The permission is added.',
  'permission-saved': 'The permission is saved.',
  'permission-removed': 'The permission is removed from the API, its roles and its grants.',
  'role-created': 'The role is created. Add its permissions below.',
  'role-saved': 'The role is saved.',
  'role-deleted': 'The role is deleted; its holders have lost its permissions.',
  'role-permission-added': 'The permission is added to the role.',
  'role-permission-removed': 'The permission is taken out of the role.',
  'group-created': 'The group is created. Add its members and roles below.',
  'group-saved': 'The group is saved.',
  'group-deleted': 'The group is deleted; its members have left it.',
  'member-added': 'The member is added to the group.',
  'member-removed': 'The member is taken out of the group.',
  'group-role-added': 'The group gives this role to its members now.',
  'group-role-removed': 'The role is taken from the group.',
  'grant-created': 'The permission is granted on the object.',
  'grant-deleted': 'The object grant is revoked.',
  'account-created': 'The account is created.',
  'account-invited': 'The account is created and the person is invited: a link to set their password is on its way to their address.',
  'invitation-sent': 'An invitation (a link to set the password) is on its way to the account’s address.',
  'reset-link-sent': 'A password reset link is on its way to the account’s address.',
  'mfa-reset': 'The authenticator app and recovery codes are removed.',
  'mfa-none': 'The account had no authenticator app: nothing was removed.',
  'passkey-removed': 'The passkey is removed.',
  'grant-revoked': 'The application’s access is revoked, with its tokens.',
  'role-assigned': 'The role is given.',
  'role-removed': 'The role is taken away.',
  'group-joined': 'The account is added to the group.',
  'group-left': 'The account is removed from the group.',
  'attributes-saved': 'The attributes are saved.',
  'connection-created': 'The connection is added. Register its callback URL with the provider.',
  'connection-saved': 'The connection is saved.',
  'connection-deleted': 'The connection is removed, with every account link to it.',
  'attribute-created': 'The attribute is defined.',
  'attribute-saved': 'The attribute is saved. A new rule applies to values written from now on.',
  'attribute-deprecated': 'The attribute is deprecated: it keeps its values and claims, takes no new values, and can now be removed.',
  'attribute-reactivated': 'The attribute is active again.',
  'attribute-removed': 'The attribute and its values are removed.',
  'scope-created': 'The scope is defined. Applications can ask for it from now on.',
  'scope-saved': 'The scope is saved.',
  'scope-removed': 'The scope is removed.',
  'webhook-created': 'The webhook is added. Matching events are sent to it from now on.',
  'webhook-deleted': 'The webhook is deleted; its undelivered events will not be sent.',
  'delivery-queued': 'The delivery is queued again and is sent within seconds.',
  'keys-rotated': 'New signing keys are active. The previous keys stay published until the tokens they signed expire.',
};

/** Renders a console page inside the console layout, with the operator and the navigation. */
export function showPage(deps: PageDeps, ctx: Context, template: string, section: SectionId | undefined, data: Record<string, unknown>, status = 200): void {
  const operator = ctx.state.operator as Operator | undefined;
  const notice = typeof ctx.query.done === 'string' ? NOTICES[ctx.query.done] : undefined;
  renderPage(deps, ctx, template, {
    ...data,
    console: { sections: SECTIONS, current: section, operator: operator ? { email: operator.session.email ?? operator.session.accountId, canWrite: operator.canWrite } : undefined, notice },
  }, status);
}

/** The console's refusal: a page that says which permission is missing (403). */
export function refusalPage(deps: PageDeps) {
  return (ctx: Context, message: string) => showPage(deps, ctx, 'console-refused', undefined, { title: 'Not allowed', message }, 403);
}

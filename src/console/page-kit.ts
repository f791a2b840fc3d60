import type { Context } from 'koa';
import { renderPage, type PageDeps } from '../accounts/routes/page-kit.js';
import type { Operator } from './guard.js';
import type { Text } from '../i18n/catalogs.js';

/** The console's sections, in the order of its navigation. Sections not built yet are not listed. */
export const SECTIONS = [
  { id: 'overview', href: '/admin', label: 'console.nav.overview' },
  { id: 'accounts', href: '/admin/accounts', label: 'console.nav.accounts' },
  { id: 'clients', href: '/admin/clients', label: 'console.nav.clients' },
  { id: 'events', href: '/admin/events', label: 'console.nav.events' },
  { id: 'apis', href: '/admin/resources', label: 'console.nav.apis' },
  { id: 'roles', href: '/admin/roles', label: 'console.nav.roles' },
  { id: 'groups', href: '/admin/groups', label: 'console.nav.groups' },
  { id: 'object-grants', href: '/admin/object-grants', label: 'console.nav.objectGrants' },
  { id: 'connections', href: '/admin/connections', label: 'console.nav.connections' },
  { id: 'attributes', href: '/admin/attributes', label: 'console.nav.attributes' },
  { id: 'webhooks', href: '/admin/webhooks', label: 'console.nav.webhooks' },
  { id: 'keys', href: '/admin/keys', label: 'console.nav.keys' },
  { id: 'settings', href: '/admin/settings', label: 'console.nav.settings' },
] as const;

export type SectionId = (typeof SECTIONS)[number]['id'];

/**
 * Notices shown after a change, by name; the text is console.notice.<name> in the catalogs. The 303
 * carries a name from this list, never text, so nothing a link can inject is echoed on the page.
 */
const NOTICES = new Set([
  'disabled', 'enabled', 'unlocked', 'sessions-ended', 'session-ended', 'client-created', 'client-saved',
  'secret-rotated', 'client-deleted', 'api-created', 'api-saved', 'api-deleted', 'permission-added',
  'permission-saved', 'permission-removed', 'role-created', 'role-saved', 'role-deleted',
  'role-permission-added', 'role-permission-removed', 'group-created', 'group-saved', 'group-deleted',
  'member-added', 'member-removed', 'group-role-added', 'group-role-removed', 'grant-created',
  'grant-deleted', 'account-created', 'account-invited', 'invitation-sent', 'reset-link-sent', 'mfa-reset',
  'mfa-none', 'passkey-removed', 'grant-revoked', 'role-assigned', 'role-removed', 'group-joined',
  'group-left', 'attributes-saved', 'connection-created', 'connection-saved', 'connection-deleted',
  'attribute-created', 'attribute-saved', 'attribute-deprecated', 'attribute-reactivated',
  'attribute-removed', 'scope-created', 'scope-saved', 'scope-removed', 'webhook-created', 'webhook-deleted',
  'delivery-queued', 'keys-rotated',
]);

/** Renders a console page inside the console layout, with the operator and the navigation. */
export function showPage(deps: PageDeps, ctx: Context, template: string, section: SectionId | undefined, data: Record<string, unknown>, status = 200): void {
  const operator = ctx.state.operator as Operator | undefined;
  const notice = typeof ctx.query.done === 'string' && NOTICES.has(ctx.query.done) ? `console.notice.${ctx.query.done}` : undefined;
  renderPage(deps, ctx, template, {
    ...data,
    console: { sections: SECTIONS, current: section, operator: operator ? { email: operator.session.email ?? operator.session.accountId, canWrite: operator.canWrite } : undefined, notice },
  }, status);
}

/** The console's refusal: a page that says which permission is missing (403). */
export function refusalPage(deps: PageDeps) {
  return (ctx: Context, message: Text) => showPage(deps, ctx, 'console-refused', undefined, { title: 'console.refused.title', message }, 403);
}

import { diffFields, recordChange } from '../audit/changes.js';
import { AppError, notFound } from '../errors/app-error.js';
import { isUuid } from '../rbac/subjects.js';
import { accountExportSchema } from '../privacy/export-schema.js';
import type { AdminDeps } from './deps.js';
import { presentAccount, presentAccountGrant, presentAccountSession } from './present.js';
import { pageOf, pageQuery, pageSchema, route, type AdminRoute } from './route-kit.js';
import { accountQuery, accountSchema, createAccountSchema, grantSchema, mfaResetSchema, roleAssignmentSchema, sessionSchema, updateAccountSchema } from './schemas.js';

export function accountRoutes(deps: AdminDeps): AdminRoute[] {
  const requireAccount = async (id: string) => {
    const account = isUuid(id) ? await deps.accounts.findById(id) : undefined;
    if (!account) throw notFound('no account with this id');
    return account;
  };
  const record = (account: { id: string; email: string }) => ({ type: 'account', id: account.id, name: account.email });
  /** `name=value` of the attribute filter, resolved to the attribute (an unknown name is a 400 on the field, not an empty page). */
  const attributeFilter = async (text: string) => {
    const at = text.indexOf('=');
    const definition = await deps.attributes.findAttribute(text.slice(0, at));
    if (!definition) throw new AppError('VALIDATION_FAILED', 400, 'attribute: no attribute with this name', { details: { field: 'attribute' } });
    return { id: definition.id, value: text.slice(at + 1), list: definition.type === 'string_list' };
  };

  return [
    route({
      method: 'get', path: '/accounts', tag: 'accounts', summary: 'List accounts', query: accountQuery, response: pageSchema(accountSchema),
      handler: async ({ query }) =>
        pageOf(await deps.accounts.listAccountsPage(query, {
          email: query.email,
          locked: query.locked === undefined ? undefined : query.locked === 'true',
          search: query.search,
          attribute: query.attribute === undefined ? undefined : await attributeFilter(query.attribute),
        }), presentAccount),
    }),
    route({
      method: 'post', path: '/accounts', tag: 'accounts', summary: 'Create an account', body: createAccountSchema, status: 201, response: accountSchema,
      handler: async ({ body, actor }) => {
        const attributes = await deps.attributes.validateForAdminCreate(body.attributes ?? {});
        const account = await deps.accounts.createAccount({ email: body.email, name: body.name, password: body.password, emailVerified: body.email_verified });
        await deps.attributes.saveNewAccountValues(account.id, attributes);
        await recordChange(deps.audit, {
          type: 'account.created', actor, target: record(account), accountId: account.id,
          changes: diffFields(undefined, { ...presentAccount(account), password: body.password ? 'set' : null }, { ignore: ['id', 'last_login_at'], secret: ['password'] }),
        });
        if (body.send_invitation) await deps.operatorLinks.sendInvitation(account, actor);
        return presentAccount(account);
      },
    }),
    route({
      method: 'get', path: '/accounts/:accountId', tag: 'accounts', summary: 'Get an account', response: accountSchema,
      handler: async ({ params }) => presentAccount(await requireAccount(params.accountId)),
    }),
    route({
      method: 'patch', path: '/accounts/:accountId', tag: 'accounts', summary: 'Change an account (profile, verification, status)', body: updateAccountSchema, response: accountSchema,
      handler: async ({ params, body, actor }) => {
        const before = await requireAccount(params.accountId);
        const after = await deps.accounts.updateAccount(before.id, { email: body.email, name: body.name, emailVerified: body.email_verified, status: body.status });
        deps.access.invalidate();
        // A disabled account's sessions end now (they would also fail at their next use).
        if (after.status === 'disabled' && before.status !== 'disabled') await deps.sessionIndex.revokeSessions(deps.provider(), after.id, undefined, 'account_disabled');
        const type = body.status && body.status !== before.status ? (body.status === 'disabled' ? 'account.disabled' : 'account.enabled') : 'account.updated';
        await recordChange(deps.audit, {
          type, actor, target: record(after), accountId: after.id,
          changes: diffFields(presentAccount(before), presentAccount(after), { ignore: ['last_login_at'] }),
        });
        return presentAccount(after);
      },
    }),
    route({
      method: 'get', path: '/accounts/:accountId/export', tag: 'accounts', response: accountExportSchema,
      summary: 'Export everything held about an account: profile, attributes, factors, identities, sessions, applications, its events',
      handler: async ({ params, actor }) => {
        const account = await requireAccount(params.accountId);
        const document = await deps.accountExport.exportAccount(account.id);
        await recordChange(deps.audit, { type: 'account.exported', actor, target: record(account), accountId: account.id, detail: { events: document.events.length } });
        return document;
      },
    }),
    route({
      method: 'delete', path: '/accounts/:accountId', tag: 'accounts', status: 204,
      summary: 'Delete an account: end its sessions, grants and tokens, erase its personal data (also in its events), mail a confirmation',
      handler: async ({ params, actor }) => {
        const account = await requireAccount(params.accountId);
        // docs/privacy.md, "Erasure": the account is whole or gone; a failed call can be repeated.
        await deps.erasure.eraseAccount(account.id, actor);
        deps.access.invalidate();
      },
    }),
    route({
      method: 'post', path: '/accounts/:accountId/unlock', tag: 'accounts', summary: 'Unlock an account locked by failed sign-ins, and clear its failure count', response: accountSchema,
      handler: async ({ params, actor }) => {
        const account = await requireAccount(params.accountId);
        const wasLocked = await deps.accounts.unlock(account.id);
        await deps.loginProtection.reset(account.email);
        await recordChange(deps.audit, { type: 'account.unlocked', actor, target: record(account), accountId: account.id, detail: { wasLocked } });
        return presentAccount({ ...account, locked_at: null });
      },
    }),
    route({
      method: 'post', path: '/accounts/:accountId/invitation', tag: 'accounts', status: 204,
      summary: 'Mail the person an invitation: a single-use link to set their password (SCIM_INVITATION_TTL); 409 ACCOUNT_DISABLED for a disabled account',
      handler: async ({ params, actor }) => deps.operatorLinks.sendInvitation(await requireAccount(params.accountId), actor),
    }),
    route({
      method: 'post', path: '/accounts/:accountId/password-reset', tag: 'accounts', status: 204,
      summary: "Mail the person a password reset link (PASSWORD_RESET_TTL), to the account's address only; 409 ACCOUNT_DISABLED for a disabled account",
      handler: async ({ params, actor }) => deps.operatorLinks.sendResetLink(await requireAccount(params.accountId), actor),
    }),
    route({
      method: 'post', path: '/accounts/:accountId/mfa/reset', tag: 'accounts', summary: "Remove an account's second factor and recovery codes", response: mfaResetSchema,
      handler: async ({ params, actor }) => {
        const account = await requireAccount(params.accountId);
        const hadFactor = await deps.mfa.removeAll(account.id);
        await recordChange(deps.audit, { type: 'mfa.reset', actor, target: record(account), accountId: account.id, detail: { hadFactor } });
        return { had_factor: hadFactor };
      },
    }),
    route({
      method: 'get', path: '/accounts/:accountId/sessions', tag: 'accounts', summary: "List an account's browser sessions", query: pageQuery,
      response: pageSchema(sessionSchema),
      handler: async ({ params, query }) => {
        const account = await requireAccount(params.accountId);
        return pageOf(await deps.sessionIndex.listSessionsPage(deps.provider(), account.id, query), presentAccountSession);
      },
    }),
    route({
      method: 'delete', path: '/accounts/:accountId/sessions', tag: 'accounts', summary: "End every session of an account", status: 204,
      handler: async ({ params, actor }) => {
        const account = await requireAccount(params.accountId);
        const ended = await deps.sessionIndex.revokeSessions(deps.provider(), account.id);
        // Signing out everywhere also ends an email change one of those sessions may have asked for.
        const emailChangeLinks = await deps.accounts.cancelPendingEmailChange(account.id);
        await recordChange(deps.audit, { type: 'session.revoked', actor, target: record(account), accountId: account.id, detail: { sessions: ended, emailChangeLinks } });
      },
    }),
    route({
      method: 'delete', path: '/accounts/:accountId/sessions/:sessionUid', tag: 'accounts', summary: 'End one session of an account', status: 204,
      handler: async ({ params, actor }) => {
        const account = await requireAccount(params.accountId);
        if (!(await deps.sessionIndex.revokeSession(deps.provider(), account.id, params.sessionUid))) throw notFound('this account has no such session');
        await recordChange(deps.audit, { type: 'session.revoked', actor, target: record(account), accountId: account.id, detail: { session: params.sessionUid } });
      },
    }),
    route({
      method: 'get', path: '/accounts/:accountId/grants', tag: 'accounts', summary: "List an account's grants (consents) to clients", query: pageQuery,
      response: pageSchema(grantSchema),
      handler: async ({ params, query }) => {
        const account = await requireAccount(params.accountId);
        return pageOf(await deps.sessionIndex.listGrantsPage(deps.provider(), account.id, query), presentAccountGrant);
      },
    }),
    route({
      method: 'delete', path: '/accounts/:accountId/grants/:grantId', tag: 'accounts', summary: 'Revoke a grant and every token issued under it', status: 204,
      handler: async ({ params, actor }) => {
        const account = await requireAccount(params.accountId);
        if (!(await deps.sessionIndex.revokeGrant(deps.provider(), account.id, params.grantId, 'grant_revoked'))) throw notFound('this account has no such grant');
        await recordChange(deps.audit, { type: 'grant.revoked', actor, target: record(account), accountId: account.id, detail: { grantId: params.grantId } });
      },
    }),
    route({
      method: 'get', path: '/accounts/:accountId/roles', tag: 'accounts', summary: 'List the roles held directly by an account', query: pageQuery,
      response: pageSchema(roleAssignmentSchema),
      handler: async ({ params, query }) => pageOf(await deps.roles.listAssignmentsPage({ type: 'account', id: params.accountId }, query), (assignment) => assignment),
    }),
    route({
      method: 'put', path: '/accounts/:accountId/roles/:roleId', tag: 'accounts', summary: 'Give a role to an account', status: 204,
      handler: async ({ params, actor }) => void (await deps.roles.assign(params.roleId, { type: 'account', id: params.accountId }, actor)),
    }),
    route({
      method: 'delete', path: '/accounts/:accountId/roles/:roleId', tag: 'accounts', summary: 'Take a role from an account', status: 204,
      handler: async ({ params, actor }) => deps.roles.unassign(params.roleId, { type: 'account', id: params.accountId }, actor),
    }),
  ];
}


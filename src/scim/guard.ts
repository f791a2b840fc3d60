import type { Context, Next } from 'koa';
import { AppError } from '../errors/app-error.js';
import { requestOriginOf } from '../http/request-context.js';
import type { ApiCaller, ApiGuard } from '../rbac/api-guard.js';
import { TOKEN_PREFIX, type DirectoryService } from './directory-service.js';
import type { ScimCaller } from './context.js';
import type { DirectoryRow } from './queries/directories.js';

export const SCIM_PERMISSION = 'scim:provision';

const challenge = (realm: string, error?: string) => `Bearer realm="${realm}"${error ? `, error="${error}"` : ''}`;

/**
 * Authenticates a SCIM request as a directory, by one of two bearer credentials:
 * - a provisioning token (`idp_scim_…`) an operator created for the directory;
 * - a client-credentials access token for the SCIM API whose client holds scim:provision and is
 *   linked to a directory. Rule: only a client acting for itself provisions. A token issued to a
 *   person (sub ≠ client_id) is refused even if that person holds the permission, so a directory's
 *   changes are never attributed to, or made with the rights of, someone who signed in.
 * Sets ctx.state.scim, and ctx.state.caller for the per-client throttle.
 */
export function scimGuard(deps: { directories: DirectoryService; apiGuard: ApiGuard; audience: string; base: string }) {
  const viaClient = deps.apiGuard.require(deps.audience, () => SCIM_PERMISSION);

  const admit = (ctx: Context, directory: DirectoryRow, clientId?: string) => {
    const caller: ScimCaller = { directory, actor: { type: 'directory', id: directory.id, origin: requestOriginOf(ctx.req) }, base: deps.base };
    ctx.state.scim = caller;
    ctx.state.caller = { clientId: clientId ?? `scim-directory:${directory.id}` };
  };

  return async (ctx: Context, next: Next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'));
    if (match?.[1].startsWith(TOKEN_PREFIX)) {
      const directory = await deps.directories.authenticate(match[1]);
      if (!directory) {
        throw new AppError('INVALID_TOKEN', 401, 'the provisioning token is not valid (unknown, revoked or expired)', {
          headers: { 'WWW-Authenticate': challenge(deps.audience, 'invalid_token') },
        });
      }
      admit(ctx, directory);
      return next();
    }
    return viaClient(ctx, async () => {
      const caller = ctx.state.caller as ApiCaller;
      if (caller.subject.type !== 'client') {
        throw new AppError('INSUFFICIENT_PERMISSION', 403, 'SCIM takes client-credentials tokens only, not tokens issued to a person', {
          headers: { 'WWW-Authenticate': challenge(deps.audience, 'insufficient_scope') },
        });
      }
      const directory = await deps.directories.directoryOfClient(caller.clientId);
      if (!directory) throw new AppError('INSUFFICIENT_PERMISSION', 403, 'this client is not linked to a directory (idp scim directory create --client)');
      admit(ctx, directory, caller.clientId);
      await next();
    });
  };
}

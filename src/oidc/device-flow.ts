import type { KoaContextWithOIDC } from 'oidc-provider';
import type { ClaimsMapping } from '../attributes/claims-mapping.js';
import type { RenderPage } from '../http/views.js';
import { describeScope } from '../interactions/consent.js';

/**
 * What happened on the device pages during one request, for the throttle and the audit trail
 * (ratelimit/user-code-entry.ts), which run around oidc-provider and read it afterwards.
 */
export type DeviceOutcome =
  | { kind: 'wrong_code' }
  | { kind: 'approved'; accountId?: string; clientId?: string; scope?: string }
  | { kind: 'denied'; accountId?: string; clientId?: string; stage: 'confirm' | 'sign_in' };

const outcomes = new WeakMap<object, DeviceOutcome>();
export const deviceOutcomeOf = (ctx: object): DeviceOutcome | undefined => outcomes.get(ctx);

interface DeviceCodeEntity {
  clientId?: string;
  accountId?: string;
  scope?: string;
  params?: { scope?: unknown; resource?: unknown };
}

/** oidc-provider's errors on the code page; their names are its API (lib/helpers/re_render_errors.js). */
type PageError = { name?: string; userCode?: string } | undefined;

const WRONG_CODE = 'devicePage.wrongCode';

/**
 * `features.deviceFlow` (RFC 8628) with the hosted pages: the code entry page, the confirmation
 * (which client, what access, the code to compare with the device's screen, against phishing of
 * codes: RFC 8628 §5.4) and the result. Sign-in, MFA and consent between confirmation and result
 * are the usual interactions.
 *
 * Codes: base-20 (no vowels, so no words, and no look-alike letters), eight characters, shown as
 * XXXX-XXXX; oidc-provider reads what is typed in any case and without the dash (RFC 8628 §6.1).
 * 20^8 codes against a few live ones make guessing hopeless once entry is throttled.
 */
export function deviceFlowFeature(render: RenderPage, mapping?: ClaimsMapping) {
  const action = (ctx: KoaContextWithOIDC) => ctx.oidc.urlFor('code_verification');
  const xsrf = (ctx: KoaContextWithOIDC) => String((ctx.oidc.session?.state as { secret?: string } | undefined)?.secret ?? '');
  const clientName = (client: KoaContextWithOIDC['oidc']['client']) => client?.clientName ?? client?.clientId;
  const deviceCode = (ctx: KoaContextWithOIDC) => ctx.oidc.entities.DeviceCode as DeviceCodeEntity | undefined;

  return {
    enabled: true,
    charset: 'base-20' as const,
    mask: '****-****',
    // What the confirm page could show about the device is what the device says of itself: nothing worth showing.
    deviceInfo: () => ({}),

    /** The code page, also for every error on the way (oidc-provider renders it with `err`). */
    async userCodeInputSource(ctx: KoaContextWithOIDC, _form: string, out?: { error?: string }, err?: PageError) {
      ctx.type = 'html';
      ctx.set('Cache-Control', 'no-store');
      if (err?.name === 'AbortedError') {
        // Cancelled on the confirm page, or refused at sign-in or consent: the device gets access_denied.
        const code = deviceCode(ctx);
        const clientId = code?.clientId ?? ctx.oidc.client?.clientId ?? (ctx.oidc.entities.Interaction as { params?: { client_id?: string } } | undefined)?.params?.client_id;
        outcomes.set(ctx, {
          kind: 'denied',
          accountId: ctx.oidc.session?.accountId,
          clientId,
          stage: ctx.oidc.route === 'device_resume' ? 'sign_in' : 'confirm',
        });
        const client = clientId ? await ctx.oidc.provider.Client.find(String(clientId)) : undefined;
        ctx.status = 200;
        ctx.body = render('device-done', { approved: false, clientName: clientName(client), action: action(ctx) });
        return;
      }
      let error: string | undefined;
      if (err?.userCode !== undefined) {
        // Unknown, expired and used codes read the same: the page tells a guesser nothing.
        outcomes.set(ctx, { kind: 'wrong_code' });
        ctx.status = 400;
        error = WRONG_CODE;
      } else if (err?.name === 'NoCodeError') {
        ctx.status = 400;
        error = 'devicePage.enterCode';
      } else if (out?.error === 'invalid_request' && ctx.status === 400) {
        error = 'devicePage.formExpired';
      } else if (out?.error) {
        error = out.error === 'server_error' || out.error === 'temporarily_unavailable'
          ? 'devicePage.ourFault'
          : 'devicePage.startAgain';
      }
      ctx.body = render('device-code', { action: action(ctx), xsrf: xsrf(ctx), error, userCode: undefined });
    },

    async userCodeConfirmSource(ctx: KoaContextWithOIDC, _form: string, client: KoaContextWithOIDC['oidc']['client'], _deviceInfo: unknown, userCode: string) {
      const params = deviceCode(ctx)?.params ?? {};
      const scopes = String(params.scope ?? '').split(' ').filter((scope) => scope && scope !== 'openid');
      const resources = [params.resource ?? []].flat().map(String);
      ctx.type = 'html';
      ctx.set('Cache-Control', 'no-store');
      ctx.body = render('device-confirm', {
        action: action(ctx),
        xsrf: xsrf(ctx),
        userCode,
        clientName: clientName(client),
        scopes: scopes.map((scope) => describeScope(scope, mapping)),
        resources,
      });
    },

    async successSource(ctx: KoaContextWithOIDC) {
      const code = deviceCode(ctx);
      outcomes.set(ctx, { kind: 'approved', accountId: code?.accountId, clientId: code?.clientId ?? ctx.oidc.client?.clientId, scope: code?.scope });
      ctx.type = 'html';
      ctx.set('Cache-Control', 'no-store');
      ctx.body = render('device-done', { approved: true, clientName: clientName(ctx.oidc.client), action: action(ctx) });
    },
  };
}

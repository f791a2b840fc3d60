import { problemWithPageLink } from '../clients/page-links.js';
import { formBody } from '../http/form-body.js';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import type { AccountService } from '../accounts/service.js';
import type { ClaimsMapping } from '../attributes/claims-mapping.js';
import type { AuditRecorder } from '../audit/recorder.js';
import type { ClientService } from '../clients/service.js';
import type { FederationLogin } from '../federation/login.js';
import { csrfToken } from '../http/csrf.js';
import { AppError } from '../errors/app-error.js';
import { loadInteraction, type Interaction } from './load-interaction.js';
import { requestOriginOf, type RequestOrigin } from '../http/request-context.js';
import type { RenderPage } from '../http/views.js';
import type { PendingLogins } from '../mfa/pending-login.js';
import type { MfaPolicy } from '../mfa/policy.js';
import type { MfaService } from '../mfa/service.js';
import type { PasskeyChanges } from '../passkeys/changes.js';
import type { PasskeyService } from '../passkeys/service.js';
import type { LoginProtection } from '../ratelimit/login-protection.js';
import { epochSeconds, type Clock } from '../shared/clock.js';
import { msg, type Msg } from '../i18n/catalogs.js';

export type { Interaction };

export interface InteractionDeps {
  provider: () => Provider;
  accounts: AccountService;
  clients: ClientService;
  audit: AuditRecorder;
  render: RenderPage;
  secureCookies: boolean;
  loginProtection: LoginProtection;
  mfaProtection: LoginProtection;
  mfa: MfaService;
  mfaPolicy: MfaPolicy;
  /** Passkeys: the login page's button and autofill, and the second factor (src/passkeys). */
  passkeys?: PasskeyService;
  /** Registration inside a sign-in (a required passkey, the offer after sign-in), with its event and mail. */
  passkeyChanges?: PasskeyChanges;
  /** PASSKEY_OFFER_DAYS: after a sign-in, accounts without a passkey are offered one; 0 never. */
  passkeyOfferDays?: number;
  pendingLogins: PendingLogins;
  clock: Clock;
  /** Links to sign-up and password reset, and the page for a client that needs a verified email. */
  accountPages?: {
    signupEnabled: () => boolean;
    verifyRequired: (ctx: Context, interaction: Interaction) => Promise<void>;
  };
  /** Upstream providers on the login page ("Continue with …", home-realm discovery); see src/federation. */
  federation?: FederationLogin;
  /** The scopes → claims mapping in force, so the consent page can name each claim. */
  claimsMapping?: () => ClaimsMapping;
  /** The server's own APIs (admin, check): asking for them always shows the consent page. */
  systemApis?: string[];
  /** Whether the login page offers "remember me" (SESSION_REMEMBER_ME). */
  rememberMe?: boolean;
  /** Runs once the second factor is proven, before the login completes (a federation link that waited for it). */
  afterSecondFactor?: (ctx: Context, interaction: Interaction, accountId: string) => Promise<void>;
  /** Runs after every successful sign-in: cancels a scheduled deletion, restarts the inactivity count (src/privacy). */
  onSignIn?: (accountId: string, origin: RequestOrigin) => Promise<void>;
  /** RECENT_LOGIN_SECONDS: how old a sign-in may be for a step-up to enroll a factor without the password. */
  recentLoginSeconds: number;
}

export interface CompletedLogin {
  accountId: string;
  amr: string[];
  acr: string;
  /** When the user proved who they are; defaults to now (by the injectable clock). */
  loginTs?: number;
  /** "Remember me" was ticked; when undefined (step-up), the session keeps what it had. */
  remember?: boolean;
  /** The offer to add a passkey was shown (or is not for this sign-in): complete at once. */
  offered?: boolean;
}

/** The MFA or passkey step asked for is not the one this sign-in is at (or the sign-in is gone). */
export const mfaStepInvalid = () =>
  new AppError('MFA_STEP_INVALID', 400, 'This step of the sign-in is not the current one. Go back to the application and start again.', { i18n: { key: 'error.stepInvalid' } });

export function tooManyAttempts(retryAfterSeconds: number): Msg {
  return retryAfterSeconds < 90
    ? msg('error.tooManyAttemptsSeconds', { seconds: retryAfterSeconds })
    : msg('error.tooManyAttemptsMinutes', { minutes: Math.ceil(retryAfterSeconds / 60) });
}

/** What every interaction page shares: loading the interaction, naming the client, finishing a step. */
export function createInteractionSteps(deps: InteractionDeps) {
  const forms = formBody();

  const load = (ctx: Context, expectedPrompt?: string): Promise<Interaction> =>
    loadInteraction(deps.provider(), ctx, (interaction) => !expectedPrompt || interaction.prompt.name === expectedPrompt);

  async function finish(ctx: Context, result: InteractionResults, merge: boolean) {
    const returnTo = await deps.provider().interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge });
    ctx.redirect(returnTo);
    ctx.status = 303;
  }

  async function clientOf(interaction: Interaction): Promise<{ id: string; name: string; firstParty: boolean; links: ClientPageLinks }> {
    const id = String(interaction.params.client_id);
    const client = await deps.clients.findClient(id);
    return { id, name: client?.name ?? 'the application', firstParty: client?.first_party ?? false, links: clientPageLinks(client?.metadata ?? {}) };
  }

  /**
   * Whether to offer this sign-in to add a passkey first: a new sign-in (not a step-up inside the
   * account's own session) of an account without one, unless "Not now" still holds.
   */
  async function offerPasskey(interaction: Interaction, login: CompletedLogin): Promise<boolean> {
    if (login.offered || !deps.passkeys || !deps.passkeyChanges || !deps.passkeyOfferDays) return false;
    if (interaction.session?.accountId === login.accountId) return false;
    return deps.passkeys.offerDue(login.accountId);
  }

  /** Ends the login step: the one place a sign-in succeeds, with what was actually proven. */
  async function completeLogin(ctx: Context, interaction: Interaction, login: CompletedLogin) {
    if (await offerPasskey(interaction, login)) {
      // Everything is proven; the offer page only adds a passkey or declines, then ends here again.
      await deps.pendingLogins.save(interaction.uid, {
        accountId: login.accountId, stage: 'offer_passkey', amr: login.amr, acr: login.acr,
        loginTs: login.loginTs ?? epochSeconds(deps.clock), remember: login.remember,
      });
      ctx.redirect(`/interaction/${interaction.uid}/passkey-offer`);
      ctx.status = 303;
      return;
    }
    await deps.pendingLogins.remove(interaction.uid);
    const origin = requestOriginOf(ctx.req);
    await deps.audit.record({
      type: 'login.succeeded',
      accountId: login.accountId,
      clientId: String(interaction.params.client_id),
      origin,
      detail: { amr: login.amr, acr: login.acr },
    });
    await deps.onSignIn?.(login.accountId, origin);
    const remember = login.remember ?? (await rememberedBefore(interaction));
    const ts = login.loginTs ?? epochSeconds(deps.clock);
    return finish(ctx, { login: { accountId: login.accountId, amr: login.amr, acr: login.acr, ts, remember } }, false);
  }

  /** Whether the session this sign-in continues (a step-up) was a remembered one. */
  async function rememberedBefore(interaction: Interaction): Promise<boolean> {
    const uid = interaction.session?.uid;
    const session = uid ? await deps.provider().Session.findByUid(uid) : undefined;
    return Boolean(deps.rememberMe && session?.accountId && !(session as unknown as { transient?: boolean }).transient);
  }

  return { forms, load, finish, clientOf, completeLogin, csrf: (ctx: Context) => csrfToken(ctx, deps.secureCookies) };
}

/** A client's logo, privacy policy and terms for its pages; a value that fails today's rule is left out. */
export interface ClientPageLinks {
  logoUri?: string;
  policyUri?: string;
  tosUri?: string;
}
function clientPageLinks(metadata: Record<string, unknown>): ClientPageLinks {
  const checked = (value: unknown) => (typeof value === 'string' && !problemWithPageLink(value) ? value : undefined);
  return { logoUri: checked(metadata.logo_uri), policyUri: checked(metadata.policy_uri), tosUri: checked(metadata.tos_uri) };
}

export type InteractionSteps = ReturnType<typeof createInteractionSteps>;

import type { Container } from '../container.js';
import type { InteractionDeps } from './steps.js';

/** What every sign-in step needs from the container; shared by the hosted login and the upstream callback. */
export function interactionDepsOf(container: Container): InteractionDeps {
  return {
    provider: () => container.providers.current(),
    accounts: container.accounts,
    clients: container.clients,
    audit: container.audit,
    render: container.render,
    secureCookies: container.config.secureCookies,
    loginProtection: container.loginProtection,
    mfaProtection: container.mfaProtection,
    mfa: container.mfa,
    mfaPolicy: container.mfaPolicy,
    passkeys: container.passkeys,
    passkeyChanges: container.passkeyChanges,
    passkeyOfferDays: container.config.passkeyOfferDays,
    pendingLogins: container.pendingLogins,
    clock: container.clock,
    rememberMe: container.config.sessions.rememberMe,
    recentLoginSeconds: container.config.recentLoginSeconds,
    afterSecondFactor: (ctx, interaction, accountId) => container.federation.signIns.afterSecondFactor(ctx, interaction, accountId),
    claimsMapping: () => container.providers.claimsMapping(),
    onSignIn: (accountId, origin) => container.accountSignIns.signedIn(accountId, origin),
    systemApis: Object.values(container.systemApis).map((api) => api.identifier),
  };
}

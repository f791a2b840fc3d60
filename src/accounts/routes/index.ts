import type Router from '@koa/router';
import type { Container } from '../../container.js';
import { createVerifyEmailRouter, createVerifyRequiredPage } from '../../interactions/verify-email.js';
import { createSecurityRouter } from '../../mfa/account-routes.js';
import { createPasskeyAccountRouter } from '../../passkeys/account-routes.js';
import { createPasswordConfirmation } from '../password-confirmation.js';
import { createSignInActivity } from '../sign-in-activity.js';
import { createAccountAuth } from './account-auth.js';
import { createAccountRouter } from './account-routes.js';
import { createRecoveryRouter } from './recovery-routes.js';
import { createSignupRouter } from './signup-routes.js';
import { createPrivacyRouter } from '../../privacy/account-routes.js';

/** Everything the hosted account pages need from the container, and their routers. */
export function createAccountPages(container: Container) {
  const { config } = container;
  const page = { render: container.render, secureCookies: config.secureCookies };
  const provider = () => container.providers.current();
  const auth = createAccountAuth({
    provider,
    accounts: container.accounts,
    sessions: container.sessionIndex,
    clock: container.clock,
    clientId: container.consoleClientId,
    issuer: config.issuer,
    secureCookies: config.secureCookies,
    recentLoginSeconds: config.recentLoginSeconds,
    passkeys: container.passkeys,
  });
  const routers: Router[] = [
    createSignupRouter({ ...page, signup: container.signup, policy: container.passwordPolicy, mailLimit: container.mailLimit, attributes: container.attributes }),
    createRecoveryRouter({ ...page, recovery: container.recovery, mailLimit: container.mailLimit, provider, maxLength: config.passwordPolicy.maxLength }),
    createAccountRouter({
      ...page,
      auth,
      selfService: container.selfService,
      signup: container.signup,
      mailLimit: container.mailLimit,
      maxPasswordLength: config.passwordPolicy.maxLength,
      attributes: container.attributes,
      i18n: container.i18n,
      activity: createSignInActivity({ events: container.events, clientName: async (id) => (await container.clients.findClient(id))?.name }),
    }),
    createVerifyEmailRouter({ ...page, provider, accounts: container.accounts, signup: container.signup, mailLimit: container.mailLimit }),
    createSecurityRouter({
      ...page,
      auth,
      mfa: container.mfa,
      audit: container.audit,
      mfaProtection: container.mfaProtection,
      confirmPassword: createPasswordConfirmation(container),
    }),
    createPrivacyRouter({
      ...page,
      auth,
      accountExport: container.accountExport,
      selfDeletion: container.selfDeletion,
      audit: container.audit,
      clientName: async (id) => (await container.clients.findClient(id))?.name,
    }),
    createPasskeyAccountRouter({
      ...page,
      auth,
      passkeys: container.passkeys,
      changes: container.passkeyChanges,
      mfaProtection: container.mfaProtection,
      confirmPassword: createPasswordConfirmation(container),
    }),
  ];
  return {
    routers,
    /** How other account pages (connected accounts) send a visitor to sign in first. */
    auth,
    /** What the login page needs: links, and the "verify your email first" step. */
    interaction: {
      signupEnabled: () => container.signup.enabled(),
      verifyRequired: createVerifyRequiredPage({ ...page, accounts: container.accounts }),
    },
  };
}

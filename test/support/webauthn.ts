import type { CDPSession, Page } from 'playwright-core';

export interface VirtualAuthenticator {
  cdp: CDPSession;
  authenticatorId: string;
  credentials(): Promise<Array<{ credentialId: string; signCount: number; userHandle?: string; rpId?: string; privateKey: string; isResidentCredential: boolean }>>;
  remove(): Promise<void>;
  /** Whether the authenticator answers at once, as if touched (off: requests wait, e.g. the autofill one). */
  presence(enabled: boolean): Promise<void>;
}

/**
 * A platform authenticator inside Chromium (DevTools protocol WebAuthn domain): CTAP2, internal
 * transport, discoverable credentials, user verification that always succeeds. It lives with the page.
 */
export async function addVirtualAuthenticator(page: Page): Promise<VirtualAuthenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return {
    cdp,
    authenticatorId,
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials as never,
    presence: async (enabled) => {
      await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled });
    },
    remove: async () => {
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
    },
  };
}

/**
 * navigator.credentials.get() run in whatever page (and so origin) `page` is on, with the server's
 * options, answered as the JSON @simplewebauthn/browser would post. For refusal tests: a response
 * made on another origin, or without the server's list of allowed credentials.
 */
export async function assertionInPage(page: Page, options: Record<string, unknown>, overrides: { allowCredentials?: unknown[] } = {}): Promise<string> {
  return page.evaluate(async ({ options, overrides }) => {
    // A pending autofill request (the login page's) would block this one: cancel it the library's way.
    const library = document.querySelector('[data-passkey]') ? await import('/assets/simplewebauthn/index.js' as string) : undefined;
    library?.WebAuthnAbortService.cancelCeremony();
    const toBuffer = (value: string) => Uint8Array.from(atob(value.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (value.length % 4)) % 4)), (c) => c.charCodeAt(0));
    const toText = (buffer: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const allow = (overrides.allowCredentials ?? (options.allowCredentials as { id: string }[]) ?? []) as { id: string; type: string }[];
    const credential = (await navigator.credentials.get({
      publicKey: {
        challenge: toBuffer(options.challenge as string),
        rpId: options.rpId as string,
        userVerification: options.userVerification as UserVerificationRequirement,
        allowCredentials: allow.map((item) => ({ type: 'public-key', id: toBuffer(item.id) })),
      },
    })) as PublicKeyCredential;
    const response = credential.response as AuthenticatorAssertionResponse;
    return JSON.stringify({
      id: credential.id,
      rawId: toText(credential.rawId),
      type: 'public-key',
      clientExtensionResults: {},
      response: {
        clientDataJSON: toText(response.clientDataJSON),
        authenticatorData: toText(response.authenticatorData),
        signature: toText(response.signature),
        ...(response.userHandle ? { userHandle: toText(response.userHandle) } : {}),
      },
    });
  }, { options, overrides });
}

/** The options the page's passkey block holds (data-options). */
export async function passkeyOptionsOf(page: Page): Promise<Record<string, unknown>> {
  return JSON.parse((await page.locator('[data-passkey]').getAttribute('data-options'))!) as Record<string, unknown>;
}

/** Posts a WebAuthn answer through the page's own passkey form (its CSRF token), as passkeys.js would. */
export async function submitPasskeyAnswer(page: Page, answer: string): Promise<void> {
  // The submit runs after evaluate has returned: submitting inside it can destroy the page's context
  // before the result comes back, and leave the navigation running into the next step.
  const posted = page.waitForResponse((response) => response.request().method() === 'POST' && response.request().isNavigationRequest());
  await page.evaluate((value) => {
    const form = document.getElementById('passkey-answer') as HTMLFormElement;
    (form.elements.namedItem('response') as HTMLInputElement).value = value;
    setTimeout(() => form.submit(), 0);
  }, answer);
  await posted;
  await page.waitForLoadState();
}

/** The addresses mailed to people and shown on pages; tokens travel in the query, never in the path (the access log shows paths). */
export function accountLinks(issuer: string) {
  const withToken = (path: string, token: string) => `${issuer}${path}?${new URLSearchParams({ token })}`;
  return {
    account: `${issuer}/account`,
    signIn: `${issuer}/account`,
    forgot: `${issuer}/account/forgot`,
    verify: (token: string) => withToken('/account/verify', token),
    reset: (token: string) => withToken('/account/reset', token),
    confirmEmail: (token: string) => withToken('/account/email/confirm', token),
    cancelEmail: (token: string) => withToken('/account/email/cancel', token),
  };
}

export type AccountLinks = ReturnType<typeof accountLinks>;

/**
 * Where a page may send the browser back to: only this server's own interaction and account pages,
 * as a path, so a crafted link cannot turn sign-up into an open redirect.
 */
export function safeReturnPath(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  return /^\/(interaction\/[A-Za-z0-9_-]{1,64}|account(\/[a-z-]{1,32})?)$/.test(value) ? value : undefined;
}

import { z } from 'zod';

/** Longest logo_uri, policy_uri or tos_uri accepted: a link, not a data: payload smuggled into a page. */
export const CLIENT_PAGE_LINK_MAX = 2000;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * OIDC Dynamic Client Registration §2 `logo_uri`, `policy_uri`, `tos_uri`: shown on the client's login
 * and consent pages, so only web addresses a browser fetches or opens safely. https, or http for a
 * loopback host (an app in development); never javascript:, data: or another scheme, never user
 * info (https://user:pass@…), which would read as a different site.
 */
export function problemWithPageLink(value: string): string | undefined {
  const url = URL.parse(value);
  if (!url || !['https:', 'http:'].includes(url.protocol)) return 'must be an https URL';
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) return 'must be an https URL (http only for localhost)';
  if (url.username || url.password) return 'must not carry credentials';
  return undefined;
}

export const clientPageLink = (description: string) =>
  z
    .string()
    .max(CLIENT_PAGE_LINK_MAX)
    .superRefine((value, ctx) => {
      const problem = problemWithPageLink(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .meta({ description });

export const LOGO_URI = "The client's logo, shown on its login and consent pages; its origin is allowed in img-src for those pages only. https (http only for localhost)";
export const POLICY_URI = "The client's privacy policy, linked from its login and consent pages. https (http only for localhost)";
export const TOS_URI = "The client's terms of service, linked from its login and consent pages. https (http only for localhost)";

import type { Actor } from '../audit/changes.js';
import type { DirectoryRow } from './queries/directories.js';

/** Who is provisioning: the directory the bearer token belongs to, as the audit log names it. */
export interface ScimCaller {
  directory: DirectoryRow;
  actor: Actor;
  /** The absolute base URL of the SCIM API, for `location` and `$ref`. */
  base: string;
}

/** Whether a stored resource may be changed under the request's If-Match (RFC 7644 §3.14, RFC 9110 §13.1.1). */
export function matchesIfMatch(header: string | undefined, current: string): boolean {
  if (!header) return true;
  const wanted = header.split(',').map((tag) => tag.trim());
  const weak = (tag: string) => tag.replace(/^W\//, '');
  return wanted.some((tag) => tag === '*' || weak(tag) === weak(current));
}

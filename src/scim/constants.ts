/** Schema and message URNs of SCIM 2.0 (RFC 7643 §8.7, RFC 7644 §3). */
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** RFC 7644 §3.1: the media type of every request and response body. */
export const SCIM_MEDIA_TYPE = 'application/scim+json';

export const SCIM_PREFIX = '/scim/v2';

/** Requests and results are bounded (RFC 7644 §3.4.2.4 lets the server cap `count`). */
export const MAX_RESULTS = 200;
export const DEFAULT_COUNT = 100;
/** A PATCH carries at most this many operations; more is a 413 tooLarge. */
export const MAX_OPERATIONS = 1000;
/** A group PATCH or PUT names at most this many members at once. */
export const MAX_MEMBERS_PER_REQUEST = 10_000;
/** The largest request body accepted; the ServiceProviderConfig announces it. */
export const MAX_BODY_BYTES = 1_048_576;

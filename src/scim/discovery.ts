import { ENTERPRISE_SCHEMA, GROUP_SCHEMA, LIST_RESPONSE, MAX_BODY_BYTES, MAX_OPERATIONS, MAX_RESULTS, USER_SCHEMA } from './constants.js';
import { ENTERPRISE_USER, GROUP, USER, type SchemaDefinition } from './schemas.js';

const SERVICE_PROVIDER_CONFIG = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const RESOURCE_TYPE = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

/**
 * The discovery documents of RFC 7644 §4, saying only what this server really does: PATCH, filter,
 * sort and ETags yes; bulk, password changes and /Me no.
 */
export function discoveryDocuments(base: string) {
  const serviceProviderConfig = {
    schemas: [SERVICE_PROVIDER_CONFIG],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'A provisioning token created by an operator, or a client-credentials access token for the SCIM API with scim:provision',
        specUri: 'https://www.rfc-editor.org/rfc/rfc6750',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
    // Not a SCIM attribute: the limits a client may want to know.
    'urn:idp:scim:limits': { maxPayloadSize: MAX_BODY_BYTES, maxPatchOperations: MAX_OPERATIONS },
  };
  const resourceTypes = [
    {
      schemas: [RESOURCE_TYPE],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'User Account',
      schema: USER_SCHEMA,
      schemaExtensions: [{ schema: ENTERPRISE_SCHEMA, required: false }],
      meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/User` },
    },
    {
      schemas: [RESOURCE_TYPE],
      id: 'Group',
      name: 'Group',
      endpoint: '/Groups',
      description: 'Group',
      schema: GROUP_SCHEMA,
      schemaExtensions: [],
      meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/Group` },
    },
  ];
  const schemas = [USER, ENTERPRISE_USER, GROUP].map((schema) => schemaDocument(schema, base));
  return { serviceProviderConfig, resourceTypes, schemas };
}

function schemaDocument(schema: SchemaDefinition, base: string) {
  const withDefaults = (attribute: SchemaDefinition['attributes'][number]): Record<string, unknown> => ({
    name: attribute.name,
    type: attribute.type,
    multiValued: attribute.multiValued ?? false,
    description: attribute.description ?? attribute.name,
    required: attribute.required ?? false,
    caseExact: attribute.caseExact ?? false,
    mutability: attribute.mutability ?? 'readWrite',
    returned: attribute.returned ?? 'default',
    uniqueness: attribute.uniqueness ?? 'none',
    ...(attribute.referenceTypes ? { referenceTypes: attribute.referenceTypes } : {}),
    ...(attribute.subAttributes ? { subAttributes: attribute.subAttributes.map(withDefaults) } : {}),
  });
  return {
    schemas: [SCHEMA],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes.map(withDefaults),
    meta: { resourceType: 'Schema', location: `${base}/Schemas/${schema.id}` },
  };
}

/** A ListResponse of everything (discovery lists are small and not paged). */
export function listOf(resources: unknown[]) {
  return { schemas: [LIST_RESPONSE], totalResults: resources.length, itemsPerPage: resources.length, startIndex: 1, Resources: resources };
}

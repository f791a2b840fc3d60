import { describe, expect, it } from '@jest/globals';
import { buildProfile, evaluate, listObjects } from '../../../src/rbac/evaluate.js';

const API = 'https://api.example.com';
const OTHER = 'https://other.example.com';

describe('evaluate', () => {
  const profile = buildProfile(
    true,
    [
      { resource: API, permission: 'doc:write', role: 'editor', via_group: 'eng' },
      { resource: API, permission: 'doc:write', role: 'owner', via_group: null },
      { resource: OTHER, permission: 'doc:delete', role: 'janitor', via_group: null },
    ],
    [
      { resource: API, permission: 'doc:read', object_type: 'doc', object_id: '42', via_group: 'all' },
      { resource: API, permission: 'doc:read', object_type: 'doc', object_id: '7', via_group: null },
      { resource: API, permission: 'doc:read', object_type: 'folder', object_id: '1', via_group: null },
    ],
  );

  it('prefers a directly held role over one held through a group', () => {
    expect(evaluate(profile, { permission: 'doc:write' })).toEqual({ allowed: true, reason: 'role', role: 'owner' });
  });

  it('lets a role permission cover every object', () => {
    expect(evaluate(profile, { permission: 'doc:write', object: { type: 'doc', id: '999' } })).toMatchObject({ allowed: true, reason: 'role' });
  });

  it('uses object grants only for their object', () => {
    expect(evaluate(profile, { permission: 'doc:read', object: { type: 'doc', id: '42' } })).toEqual({ allowed: true, reason: 'object_grant', group: 'all' });
    expect(evaluate(profile, { permission: 'doc:read', object: { type: 'doc', id: '7' } })).toEqual({ allowed: true, reason: 'object_grant' });
    expect(evaluate(profile, { permission: 'doc:read', object: { type: 'folder', id: '42' } })).toEqual({ allowed: false, reason: 'no_permission' });
    expect(evaluate(profile, { permission: 'doc:read' })).toEqual({ allowed: false, reason: 'no_permission' });
  });

  it('restricts to a resource when one is named', () => {
    expect(evaluate(profile, { permission: 'doc:delete', resource: API })).toEqual({ allowed: false, reason: 'no_permission' });
    expect(evaluate(profile, { permission: 'doc:delete', resource: OTHER })).toMatchObject({ allowed: true });
  });

  it('denies everything to an inactive subject', () => {
    expect(evaluate(buildProfile(false, [], []), { permission: 'doc:write' })).toEqual({ allowed: false, reason: 'subject_not_active' });
  });

  it('lists granted objects of a type in order, and says when a role covers all', () => {
    expect(listObjects(profile, { permission: 'doc:read', objectType: 'doc' })).toEqual({ all: false, objects: ['doc:42', 'doc:7'] });
    expect(listObjects(profile, { permission: 'doc:write', objectType: 'doc' })).toEqual({ all: true, objects: [] });
  });
});

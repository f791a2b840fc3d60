import { describe, expect, it } from '@jest/globals';
import { parse } from 'scim2-parse-filter';
import { applyPatch } from '../../../src/scim/patch.js';
import { filterToSql, userColumn } from '../../../src/scim/queries.js';
import { GROUP_SCHEMAS, USER_SCHEMAS } from '../../../src/scim/schemas.js';
import { parseAttributeMapping } from '../../../src/scim/attribute-mapping.js';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const sql = (filter: string) => filterToSql(parse(filter), userColumn);

describe('SCIM filter to SQL', () => {
  it('binds every value and never puts input into the SQL text', () => {
    const fragment = sql(`userName eq "x' or 1=1 --" and title co "%_"`);
    expect(fragment.sql).not.toContain('1=1');
    expect(fragment.sql).not.toContain('%_');
    expect(fragment.bindings).toEqual(["x' or 1=1 --", '%_']);
  });

  it('reads a missing value as false, so not() matches it', () => {
    expect(sql('not (title eq "x")').sql).toBe("(not coalesce((lower((su.resource #>> '{title}')) = lower(?)), false))");
    // A bare comparison, so the (directory, lower(user_name)) index serves Okta's and Entra's look-ups.
    expect(sql('userName eq "a"').sql).toBe('(lower(su.user_name) = lower(?))');
  });

  it('refuses unknown attributes and wrong types as invalidFilter', () => {
    for (const filter of ['shoeSize eq "1"', 'active co "t"', 'meta.created gt "yesterday"', 'userName eq true', 'name pr', 'password eq "x"']) {
      expect(() => sql(filter)).toThrow(expect.objectContaining({ status: 400, scimType: 'invalidFilter' }));
    }
  });
});

describe('SCIM PATCH adapter', () => {
  const user = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id: 'u1', userName: 'a', active: true, emails: [{ value: 'a@x.test', type: 'work', primary: true }], meta: {} };
  const apply = (...operations: unknown[]) => applyPatch(USER_SCHEMAS, user, { schemas: [PATCH_OP], Operations: operations });

  it('takes op in any case and attribute names in any case', () => {
    expect(apply({ op: 'REPLACE', path: 'TITLE', value: 'Boss' }).title).toBe('Boss');
    expect(apply({ op: 'Add', path: 'Name.GivenName', value: 'Ann' }).name).toEqual({ givenName: 'Ann' });
  });

  it('splits a path-less value into one operation per attribute, skipping read-only ones', () => {
    const result = apply({ op: 'replace', value: { id: 'other', active: false, 'name.familyName': 'Lee', [ENTERPRISE]: { department: 'R&D' } } });
    expect(result).toMatchObject({ id: 'u1', active: false, name: { familyName: 'Lee' }, [ENTERPRISE]: { department: 'R&D' } });
  });

  it('does not touch the document it was given', () => {
    apply({ op: 'replace', path: 'userName', value: 'b' });
    expect(user.userName).toBe('a');
  });

  it('removes members of a group by value, ignoring the other fields Entra sends', () => {
    const group = { schemas: [], id: 'g', displayName: 'G', members: [{ value: 'a', display: 'A' }, { value: 'b', display: 'B' }], meta: {} };
    const result = applyPatch(GROUP_SCHEMAS, group, { schemas: [PATCH_OP], Operations: [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: 'a' }] }] });
    expect(result.members).toEqual([{ value: 'b', display: 'B' }]);
  });
});

describe('SCIM_ATTRIBUTE_MAPPING', () => {
  it('maps enterprise attributes with or without their URN, and a complex one by its value', () => {
    const mapping = parseAttributeMapping(`employeeNumber=employee_number,${ENTERPRISE}:manager=manager,title=job_title`);
    expect(mapping.valuesOf({ title: 'CTO', [ENTERPRISE]: { employeeNumber: '7', manager: { value: 'm1', displayName: 'M' } } })).toEqual({ employee_number: '7', manager: 'm1', job_title: 'CTO' });
    expect(mapping.valuesOf({})).toEqual({ employee_number: null, manager: null, job_title: null });
  });

  it('refuses a path that names nothing mappable, naming the variable', () => {
    for (const setting of ['shoeSize=size', 'emails=email', 'noequals']) {
      expect(() => parseAttributeMapping(setting)).toThrow(/SCIM_ATTRIBUTE_MAPPING/);
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runCommand } from '../../../src/cli/run.js';
import { startTestServer, type TestServer } from '../../support/server.js';

/** `idp attribute|scope|user attributes`, in-process exactly as the control socket runs them. */
describe('idp CLI: profile schema and attribute values', () => {
  let server: TestServer;
  const idp = (line: string[]) => runCommand({ ...server.container }, line);
  const json = async (line: string[]) => {
    const result = await idp([...line, '--json']);
    if (result.exitCode !== 0) throw new Error(`${line.join(' ')} failed: ${result.stderr}`);
    return JSON.parse(result.stdout);
  };
  const discovery = async () => (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json() as Promise<{ scopes_supported: string[]; claims_supported: string[] }>;

  beforeAll(async () => {
    server = await startTestServer();
    await server.container.accounts.createAccount({ email: 'gus@example.com' });
  });
  afterAll(() => server.close());

  it('defines attributes of each type with their rules, and a scope that the running server offers at once', async () => {
    expect(await json(['attribute', 'define', 'department', '--type', 'enum', '--option', 'Sales', '--option', 'Ops', '--user-editable', '--signup'])).toMatchObject({
      name: 'department', type: 'enum', rule: { options: ['Sales', 'Ops'] }, editable_by: 'user', show_at_signup: true,
    });
    expect(await json(['attribute', 'define', 'employee_id', '--type', 'string', '--pattern', 'E[0-9]+', '--max-length', '10', '--required'])).toMatchObject({ required: true, rule: { pattern: 'E[0-9]+', max_length: 10 } });
    expect(await json(['attribute', 'define', 'grade', '--type', 'number', '--min', '1', '--max', '9'])).toMatchObject({ rule: { min: 1, max: 9 } });
    expect(await json(['attribute', 'define', 'start_date', '--type', 'date', '--min', '2000-01-01'])).toMatchObject({ rule: { min: '2000-01-01' } });
    expect(await json(['attribute', 'define', 'skills', '--type', 'string_list', '--max', '3'])).toMatchObject({ type: 'string_list' });
    expect(await json(['attribute', 'define', 'remote', '--type', 'boolean'])).toMatchObject({ type: 'boolean' });
    expect(await json(['scope', 'define', 'employee', '--claim', 'department', '--claim', 'employee_id', '--description', 'Your job'])).toMatchObject({ claims: ['department', 'employee_id'] });
    expect((await discovery()).scopes_supported).toContain('employee');
    expect((await json(['attribute', 'list'])).map((a: { name: string }) => a.name)).toEqual(['department', 'employee_id', 'grade', 'start_date', 'skills', 'remote']);
    expect((await json(['scope', 'list']))[0]).toMatchObject({ name: 'employee' });
  });

  it('sets typed values from text, and refuses a bad one naming the attribute', async () => {
    const set = await json(['user', 'attributes', 'gus@example.com', '--set', 'department=Ops', '--set', 'grade=4', '--set', 'skills=go, sql', '--set', 'remote=yes', '--set', 'employee_id=E77']);
    expect(set.attributes).toEqual({ department: 'Ops', grade: 4, skills: ['go', 'sql'], remote: true, employee_id: 'E77' });
    for (const [assignment, name] of [['grade=12', 'grade'], ['start_date=1999-01-01', 'start_date'], ['department=HR', 'department'], ['nope=1', 'nope'], ['skills=a,b,c,d', 'skills']]) {
      const result = await idp(['user', 'attributes', 'gus@example.com', '--set', assignment, '--json']);
      expect(result.exitCode).toBe(1);
      expect(JSON.parse(result.stdout)).toMatchObject({ error: 'INVALID_ATTRIBUTE' });
      expect(result.stderr).toContain(`${name}:`);
    }
    expect((await idp(['user', 'attributes', 'gus@example.com', '--unset', 'employee_id'])).stderr).toContain('employee_id: is required');
    expect((await json(['user', 'attributes', 'gus@example.com', '--unset', 'skills'])).attributes).not.toHaveProperty('skills');
  });

  it('refuses bad definitions and removes attributes only once deprecated', async () => {
    expect((await idp(['attribute', 'define', 'birthdate', '--type', 'string'])).stderr).toContain('standard claim');
    expect((await idp(['attribute', 'define', 'email', '--type', 'string'])).exitCode).toBe(1);
    expect((await idp(['attribute', 'define', 'size', '--type', 'shoe'])).exitCode).toBe(2);
    expect((await idp(['scope', 'define', 'openid', '--claim', 'grade'])).exitCode).toBe(1);
    expect((await idp(['attribute', 'remove', 'employee_id'])).stderr).toContain('deprecate the attribute before removing it');
    expect(await json(['attribute', 'deprecate', 'employee_id'])).toMatchObject({ status: 'deprecated' });
    expect(await json(['attribute', 'remove', 'employee_id'])).toEqual({ name: 'employee_id', deleted: true });
    expect(await json(['scope', 'define', 'employee', '--claim', 'department'])).toMatchObject({ claims: ['department'] });
    expect(await json(['scope', 'remove', 'employee'])).toEqual({ name: 'employee', deleted: true });
    expect((await discovery()).scopes_supported).not.toContain('employee');
  });
});

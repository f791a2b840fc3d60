import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runCommand } from '../../../src/cli/run.js';
import { startTestServer, type TestServer } from '../../support/server.js';

/** The one-command set-ups of docs/federation.md, run in-process as the control socket runs them. */
describe('idp connection', () => {
  let server: TestServer;
  const idp = (line: string[], stdin?: string) => runCommand({ ...server.container }, line, stdin);
  const json = async (line: string[], stdin?: string) => {
    const result = await idp([...line, '--json'], stdin);
    if (result.exitCode !== 0) throw new Error(`${line.join(' ')} failed: ${result.stderr}`);
    return JSON.parse(result.stdout);
  };

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('adds Google, GitHub and a generic OIDC provider with one command each, the secret read from stdin', async () => {
    const google = await json(['connection', 'add', '--preset', 'google', '--client-id', 'g-id.apps.googleusercontent.com', '--client-secret-stdin'], 'google-secret\n');
    expect(google).toMatchObject({ slug: 'google', kind: 'oidc', issuer: 'https://accounts.google.com', has_client_secret: true, redirect_uri: `${server.issuer}/federation/callback/google` });
    const github = await idp(['connection', 'add', '--preset', 'github', '--client-id', 'Iv1.abc', '--client-secret-stdin'], 'github-secret');
    expect(github.exitCode).toBe(0);
    expect(github.stdout).toContain(`Register this redirect URI with the provider: ${server.issuer}/federation/callback/github`);
    await json(['group', 'create', 'okta-admins']);
    const okta = await json(
      ['connection', 'add', '--slug', 'okta', '--name', 'Acme Okta', '--issuer', 'https://acme.okta.example', '--client-id', 'okta-id', '--client-secret-stdin',
        '--domain', 'acme.example', '--groups-claim', 'groups', '--map-group', 'Admins=okta-admins', '--trust-mfa', '--no-jit'],
      'okta-secret',
    );
    expect(okta).toMatchObject({ slug: 'okta', display_name: 'Acme Okta', domains: ['acme.example'], trust_upstream_mfa: true, allow_jit: false, groups_claim: 'groups' });
    expect(Object.keys(okta.group_map)).toEqual(['Admins']);
    expect((await json(['connection', 'list'])).map((c: { slug: string }) => c.slug)).toEqual(['google', 'github', 'okta']);
    const everything = JSON.stringify([await server.container.db('federation_connections').select('*'), await server.container.db('events').select('*'), okta, google]);
    for (const secret of ['google-secret', 'github-secret', 'okta-secret']) expect(everything).not.toContain(secret);
    expect((await json(['connection', 'delete', 'github'])).deleted).toBe(true);
  });

  it('says what is wrong, with exit code 1 or 2, for bad input', async () => {
    expect((await idp(['connection', 'add', '--preset', 'google'])).exitCode).toBe(2);
    const insecure = await idp(['connection', 'add', '--slug', 'bad', '--issuer', 'http://idp.example.com', '--client-id', 'x']);
    expect(insecure).toMatchObject({ exitCode: 1 });
    expect(insecure.stderr).toContain('issuer: must be https');
    const dup = await idp(['connection', 'add', '--preset', 'google', '--client-id', 'again']);
    expect(dup.stderr).toContain('already exists');
    const unknownGroup = await idp(['connection', 'add', '--slug', 'x', '--issuer', 'https://x.example', '--client-id', 'x', '--map-group', 'a=nope']);
    expect(unknownGroup.stderr).toContain('no group named nope');
    expect((await idp(['connection', 'add', '--slug', 'link', '--issuer', 'https://x.example', '--client-id', 'x'])).stderr).toContain('slug: is reserved');
  });
});

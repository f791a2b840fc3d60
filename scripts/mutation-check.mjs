#!/usr/bin/env node
// Mutation check of the documented security guards (issue 24): removes each guard, one at a time,
// runs only the test files that should notice, and prints a table. A guard is proved when at least
// one test fails with it removed ("caught"); "SURVIVED" means no test would miss it.
//
//   node scripts/mutation-check.mjs                 # every mutant, in the storage mode of the environment
//   node scripts/mutation-check.mjs --only csrf,decoy   # mutants whose id contains "csrf" or "decoy"
//   node scripts/mutation-check.mjs --list          # the mutants, without running anything
//
// Storage as for the tests: DATABASE_URL and REDIS_URL for PostgreSQL + Redis, neither for embedded.
// The sources are edited in place and restored after each mutant (and on Ctrl-C); the script
// refuses to start while a file it mutates has uncommitted changes. The CSRF mutants are enumerated
// from the sources: one per `requireCsrf()` on a route, so a new form route is covered without
// editing this file. Exit code 0 only when the baseline passes and every mutant is caught.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, readdirSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const T = (name) => `test/integration/guards/${name}.test.ts`;

/** Each mutant: edits of exact text (each `find` must occur, once unless `all`), and the tests that must catch it. */
const MUTANTS = [
  // Owner checks of the session index.
  { id: 'owner/revoke-session', guard: 'owner check', what: 'revokeSession ignores the row\'s account', tests: [T('owner-checks')],
    edits: [{ file: 'src/oidc/session-index.ts', find: 'if (!row || row.account_id !== accountId) return false;', replace: 'if (!row) return false;' }] },
  { id: 'owner/revoke-grant', guard: 'owner check', what: 'revokeGrant ignores the grant\'s account', tests: [T('owner-checks')],
    edits: [{ file: 'src/oidc/session-index.ts', find: 'if (!grant || grant.accountId !== accountId) return undefined;', replace: 'if (!grant) return undefined;' }] },
  { id: 'owner/live-session', guard: 'owner check', what: 'a listed session need not belong to the row\'s account', tests: [T('owner-checks')],
    edits: [{ file: 'src/oidc/session-index.ts', find: "return session?.accountId === row.account_id ? { id, session } : undefined;", replace: 'return session ? { id, session } : undefined;' }] },
  { id: 'owner/grant-view', guard: 'owner check', what: 'a listed grant need not belong to the row\'s account', tests: [T('owner-checks')],
    edits: [{ file: 'src/oidc/session-index.ts', find: 'if (!grant || grant.accountId !== row.account_id) {', replace: 'if (!grant) {' }] },
  // CSRF: the check itself (the per-route removals are generated below).
  { id: 'csrf/any-token', guard: 'CSRF', what: 'requireCsrf accepts any non-empty token', tests: [T('csrf-sweep')],
    edits: [{ file: 'src/http/csrf.ts', find: 'if (!expected || !presented || !constantTimeEqual(expected, presented)) {', replace: 'if (!presented) {' }] },
  // Equal work for unknown accounts.
  { id: 'decoy/call', guard: 'decoy comparison', what: 'authenticate() skips the decoy for unknown accounts', tests: [T('equal-work')],
    edits: [{ file: 'src/accounts/service.ts', find: 'await hasher.decoyVerify(password);', replace: '' }] },
  { id: 'decoy/compare', guard: 'decoy comparison', what: 'decoyVerify() compares nothing', tests: [T('equal-work')],
    edits: [{ file: 'src/accounts/password-hasher.ts', find: 'await bcrypt.compare(prehash(password), await decoyHash);', replace: 'await decoyHash;' }] },
  // Lockout recovery: the failure counter resets.
  { id: 'reset/cli-unlock', guard: 'counter reset', what: 'idp user unlock keeps the failure count', tests: [T('lockout-recovery')],
    edits: [{ file: 'src/cli/user.ts', find: 'await context.loginProtection.reset(account.email);', replace: '' }] },
  { id: 'reset/api-unlock', guard: 'counter reset', what: 'the admin API unlock keeps the failure count', tests: [T('lockout-recovery')],
    edits: [{ file: 'src/admin/accounts-routes.ts', find: 'await deps.loginProtection.reset(account.email);', replace: '' }] },
  { id: 'reset/password-reset', guard: 'counter reset', what: 'a password reset keeps the failure count', tests: [T('lockout-recovery')],
    edits: [{ file: 'src/accounts/recovery-service.ts', find: 'await deps.loginProtection.reset(account.email);', replace: '' }] },
  { id: 'reset/confirm-counts', guard: 'counter reset', what: 'a wrong current password on the account pages is not counted', tests: [T('lockout-recovery')],
    edits: [{ file: 'src/accounts/password-confirmation.ts', find: 'await deps.loginProtection.recordFailure(account.email, ip);', replace: '' }] },
  // Secret hashing at rest.
  { id: 'secret/client-secret', guard: 'secret hashing', what: 'client secrets stored as given', tests: [T('secrets-at-rest')],
    edits: [
      { file: 'src/clients/service.ts', find: 'sha256(clientSecret)', replace: 'clientSecret', all: true },
      { file: 'src/oidc/client-secret.ts', find: 'constantTimeEqual(this.clientSecret, sha256(actual))', replace: 'constantTimeEqual(this.clientSecret, actual)' },
    ] },
  { id: 'secret/account-token', guard: 'secret hashing', what: 'reset and verification tokens stored as given', tests: [T('secrets-at-rest')],
    edits: [{ file: 'src/accounts/account-tokens.ts', find: 'sha256(token)', replace: 'token', all: true }] },
  { id: 'secret/shared-secrets', guard: 'secret hashing', what: 'cookie key and pairwise salt stored unsealed', tests: [T('secrets-at-rest')],
    edits: [
      { file: 'src/keys/service.ts', find: "secretBox.seal(randomBytes(32).toString('base64url'))", replace: "randomBytes(32).toString('base64url')" },
      { file: 'src/keys/service.ts', find: 'return secretBox.open(sealed);', replace: 'return sealed;' },
    ] },
  { id: 'secret/recovery-codes', guard: 'secret hashing', what: 'recovery codes stored as typed (normalised), not as a keyed hash', tests: [T('secrets-at-rest')],
    edits: [{ file: 'src/mfa/recovery-codes.ts', find: "createHmac('sha256', key).update(normalizeRecoveryCode(code)).digest('base64url')", replace: 'normalizeRecoveryCode(code)' }] },
  { id: 'secret/totp-seed', guard: 'secret sealing', what: 'TOTP seeds stored unsealed', tests: [T('secrets-at-rest')],
    edits: [
      { file: 'src/mfa/service.ts', find: 'seeds.seal(secret)', replace: 'secret' },
      { file: 'src/mfa/service.ts', find: 'seeds.open(totp.secret_sealed)', replace: 'totp.secret_sealed', all: true },
    ] },
  { id: 'secret/bearer-storage-key', guard: 'secret hashing', what: 'oidc models filed under the bearer value itself', tests: ['test/integration/adapters/stored-secrets.test.ts'],
    edits: [{ file: 'src/oidc/adapters/stored-id.ts', find: 'sha256(id)', replace: 'id' }] },
  // Protocol edges.
  { id: 'protocol/public-introspection', guard: 'introspection policy', what: 'a public client may introspect its own tokens', tests: [T('protocol-edges')],
    edits: [{ file: 'src/oidc/introspection-policy.ts', find: "if (client.clientAuthMethod === 'none') return false;", replace: '' }] },
  // Token exchange (RFC 8693).
  { id: 'exchange/addressed-to-caller', guard: 'token exchange', what: 'any client may trade in a token not addressed to it (confused deputy)', tests: ['test/integration/protocol/token-exchange.test.ts'],
    edits: [{ file: 'src/oidc/token-exchange.ts', find: 'if (!(await addressedTo(deps, subject, caller)))', replace: 'if (false)' }] },
  { id: 'exchange/policy-scopes', guard: 'token exchange', what: "the policy's scopes do not narrow the new token", tests: ['test/integration/protocol/token-exchange.test.ts'],
    edits: [{ file: 'src/oidc/token-exchange.ts', find: '(!policyScopes || policyScopes.has(permission))', replace: 'true' }] },
  { id: 'exchange/live-grant', guard: 'token exchange', what: "a subject token is exchanged after the person's grant ended", tests: ['test/integration/protocol/token-exchange.test.ts'],
    edits: [{ file: 'src/oidc/token-exchange.ts', find: "throw invalidGrant('grant_revoked'", replace: "return 'ended'; throw invalidGrant('grant_revoked'" }] },
  { id: 'exchange/system-target', guard: 'token exchange', what: "the server's own APIs are a possible target", tests: ['test/integration/protocol/token-exchange.test.ts'],
    edits: [{ file: 'src/oidc/token-exchange.ts', find: '!policy || !resource || resource.system', replace: '!policy || !resource' }] },
  { id: 'exchange/api-guard-act', guard: 'token exchange', what: 'the admin and check APIs accept a token carrying act', tests: ['test/integration/protocol/token-exchange.test.ts'],
    edits: [{ file: 'src/rbac/api-guard.ts', find: 'if (caller.exchanged) {', replace: 'if (false) {' }] },
  // Security headers and cookie flags.
  { id: 'header/csp', guard: 'header', what: 'no Content-Security-Policy', tests: [T('security-headers')],
    edits: [{ file: 'src/http/security-headers.ts', find: 'contentSecurityPolicy: {', replace: 'contentSecurityPolicy: false && {' }] },
  { id: 'header/csp-frame-ancestors', guard: 'header', what: "CSP without frame-ancestors 'none'", tests: [T('security-headers')],
    edits: [{ file: 'src/http/security-headers.ts', find: `frameAncestors: ["'none'"],`, replace: '' }] },
  { id: 'header/csp-default-src', guard: 'header', what: "CSP default-src 'self' instead of 'none'", tests: [T('security-headers')],
    edits: [{ file: 'src/http/security-headers.ts', find: `defaultSrc: ["'none'"],`, replace: `defaultSrc: ["'self'"],` }] },
  { id: 'header/nosniff', guard: 'header', what: 'no X-Content-Type-Options', tests: [T('security-headers')],
    edits: [{ file: 'src/http/security-headers.ts', find: "referrerPolicy: { policy: 'no-referrer' },", replace: "xContentTypeOptions: false, referrerPolicy: { policy: 'no-referrer' }," }] },
  { id: 'header/referrer-policy', guard: 'header', what: 'no Referrer-Policy', tests: [T('security-headers')],
    edits: [{ file: 'src/http/security-headers.ts', find: "referrerPolicy: { policy: 'no-referrer' },", replace: 'referrerPolicy: false,' }] },
  { id: 'header/corp', guard: 'header', what: 'no Cross-Origin-Resource-Policy', tests: [T('security-headers')],
    edits: [{ file: 'src/http/security-headers.ts', find: "crossOriginResourcePolicy: { policy: 'same-origin' },", replace: 'crossOriginResourcePolicy: false,' }] },
  { id: 'header/hsts', guard: 'header', what: 'no Strict-Transport-Security on https', tests: [T('security-headers')],
    edits: [{ file: 'src/http/security-headers.ts', find: 'options.https ? { maxAge: 31_536_000, includeSubDomains: true } : false', replace: 'false' }] },
  { id: 'header/frameguard', guard: 'header', what: 'no X-Frame-Options', tests: [T('security-headers')],
    edits: [{ file: 'src/http/security-headers.ts', find: "frameguard: { action: 'deny' },", replace: 'frameguard: false,' }] },
  { id: 'cookie/csrf-secure', guard: 'cookie flag', what: 'CSRF cookie not Secure on https', tests: [T('security-headers')],
    edits: [{ file: 'src/http/csrf.ts', find: "sameSite: 'lax', secure, overwrite: true", replace: "sameSite: 'lax', secure: false, overwrite: true" }] },
  { id: 'cookie/csrf-httponly', guard: 'cookie flag', what: 'CSRF cookie readable by script', tests: [T('security-headers')],
    edits: [{ file: 'src/http/csrf.ts', find: 'signed: true, httpOnly: true,', replace: 'signed: true, httpOnly: false,' }] },
  { id: 'cookie/csrf-samesite', guard: 'cookie flag', what: 'CSRF cookie without SameSite', tests: [T('security-headers')],
    edits: [{ file: 'src/http/csrf.ts', find: "sameSite: 'lax', secure, overwrite: true", replace: 'sameSite: false, secure, overwrite: true' }] },
  { id: 'cookie/csrf-signed', guard: 'cookie flag', what: 'CSRF cookie set unsigned', tests: [T('security-headers')],
    edits: [{ file: 'src/http/csrf.ts', find: 'ctx.cookies.set(COOKIE, token, { signed: true,', replace: 'ctx.cookies.set(COOKIE, token, { signed: false,' }] },
  // oidc-provider's cookies: `long` is the session cookie (_session), `short` the interaction's (_interaction, _resume).
  ...['long', 'short'].flatMap((kind) => {
    const find = `${kind}: { httpOnly: true, sameSite: 'lax', secure: config.secureCookies },`;
    const cookie = kind === 'long' ? 'session' : 'interaction';
    const mutant = (flag, what, replace) => ({ id: `cookie/${cookie}-${flag}`, guard: 'cookie flag', what: `${cookie} cookie ${what}`, tests: [T('security-headers')],
      edits: [{ file: 'src/oidc/configuration.ts', find, replace }] });
    return [
      mutant('httponly', 'readable by script', `${kind}: { httpOnly: false, sameSite: 'lax', secure: config.secureCookies },`),
      mutant('samesite', "SameSite=None", `${kind}: { httpOnly: true, sameSite: 'none', secure: config.secureCookies },`),
      mutant('secure', 'not Secure on https', `${kind}: { httpOnly: true, sameSite: 'lax', secure: false },`),
      mutant('signed', 'set unsigned', `${kind}: { signed: false, httpOnly: true, sameSite: 'lax', secure: config.secureCookies },`),
    ];
  }),
  { id: 'cookie/provider-keys', guard: 'cookie flag', what: "oidc-provider's cookies without signing keys", tests: [T('security-headers')],
    edits: [{ file: 'src/oidc/configuration.ts', find: 'keys: secrets.cookieKeys,', replace: '' }] },
  ...csrfRouteMutants(),
];

/** One mutant per `requireCsrf()` on a route in src/: that occurrence alone removed. */
function csrfRouteMutants() {
  const mutants = [];
  const walk = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []));
  for (const path of walk(join(root, 'src'))) {
    const file = relative(root, path);
    const lines = readFileSync(path, 'utf8').split('\n');
    lines.forEach((line, index) => {
      if (!line.includes('requireCsrf(), ')) return;
      const route = /router\.post\(\s*'([^']+)'/.exec(line)?.[1] ?? `line ${index + 1}`;
      mutants.push({
        id: `csrf/${file.replace(/^src\//, '').replace(/\.ts$/, '')}:${route}`,
        guard: 'requireCsrf',
        what: `POST ${route} without requireCsrf()`,
        tests: [T('csrf-sweep')],
        edits: [{ file, line: index, find: 'requireCsrf(), ', replace: '' }],
      });
    });
  }
  return mutants;
}

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const selected = MUTANTS.filter((mutant) => !only || only.split(',').some((part) => mutant.id.includes(part)));
const mode = process.env.DATABASE_URL ? `PostgreSQL + Redis (${process.env.REDIS_URL ? 'with' : 'without'} Redis)` : 'embedded (PGlite, no Redis)';

if (args.includes('--list')) {
  for (const mutant of selected) console.log(`${mutant.id}\t${mutant.what}\t${mutant.tests.join(' ')}`);
  process.exit(0);
}

const touched = [...new Set(selected.flatMap((mutant) => mutant.edits.map((edit) => edit.file)))];
const dirty = spawnSync('git', ['status', '--porcelain', '--', ...touched], { cwd: root, encoding: 'utf8' }).stdout.trim();
if (dirty) {
  console.error(`Refusing to mutate files with uncommitted changes:\n${dirty}`);
  process.exit(2);
}
const originals = new Map(touched.map((file) => [file, readFileSync(join(root, file), 'utf8')]));
const restore = () => {
  for (const [file, text] of originals) writeFileSync(join(root, file), text);
};
/** The jest run in progress, stopped with the script. */
let running;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    running?.kill('SIGKILL');
    restore();
    process.exit(130);
  });
}

function apply(mutant) {
  const texts = new Map();
  for (const edit of mutant.edits) {
    let text = texts.get(edit.file) ?? originals.get(edit.file);
    if (edit.line !== undefined) {
      const lines = text.split('\n');
      if (!lines[edit.line].includes(edit.find)) throw new Error(`${mutant.id}: line ${edit.line + 1} of ${edit.file} no longer holds ${edit.find}`);
      lines[edit.line] = lines[edit.line].replace(edit.find, edit.replace);
      text = lines.join('\n');
    } else {
      const count = text.split(edit.find).length - 1;
      if (count === 0 || (count > 1 && !edit.all)) throw new Error(`${mutant.id}: ${edit.file} holds ${count} copies of ${edit.find}`);
      text = text.split(edit.find).join(edit.replace);
    }
    texts.set(edit.file, text);
  }
  for (const [file, text] of texts) writeFileSync(join(root, file), text);
}

const scratch = mkdtempSync(join(tmpdir(), 'mutation-check-'));
/** Runs jest on the files, one worker; returns the names of failed tests (or the suite error). */
async function runTests(files) {
  const output = join(scratch, 'result.json');
  rmSync(output, { force: true });
  const started = Date.now();
  // Asynchronous, so that Ctrl-C reaches the handler above (which restores the sources) at once.
  const result = await new Promise((resolve) => {
    running = spawn(
      process.execPath,
      ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', 'node_modules/jest/bin/jest.js', '--runInBand', '--silent', '--json', '--outputFile', output, ...files],
      { cwd: root, env: process.env, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    running.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
    running.on('close', (status) => resolve({ status, stderr }));
  });
  running = undefined;
  const seconds = Math.round((Date.now() - started) / 1000);
  let failed = [];
  try {
    const report = JSON.parse(readFileSync(output, 'utf8'));
    failed = report.testResults.flatMap((suite) => {
      const tests = suite.assertionResults.filter((test) => test.status === 'failed').map((test) => test.fullName);
      return tests.length || suite.status !== 'failed' ? tests : [`${relative(root, suite.name)}: ${(suite.message || 'suite failed').split('\n').find(Boolean)}`];
    });
  } catch {
    failed = result.status === 0 ? [] : [`jest exited ${result.status}: ${(result.stderr || '').split('\n').slice(-5).join(' ')}`];
  }
  if (result.status !== 0 && failed.length === 0) failed = [`jest exited ${result.status}`];
  return { failed, seconds };
}

console.log(`Mutation check: ${selected.length} mutants, storage ${mode}`);
const files = [...new Set(selected.flatMap((mutant) => mutant.tests))];
const baseline = await runTests(files);
if (baseline.failed.length) {
  console.error(`Baseline failed (${baseline.seconds}s), no mutant can be judged:\n  ${baseline.failed.join('\n  ')}`);
  process.exit(1);
}
console.log(`Baseline: ${files.length} test files pass unmutated (${baseline.seconds}s)\n`);

const rows = [];
try {
  for (const [index, mutant] of selected.entries()) {
    apply(mutant);
    let outcome;
    try {
      outcome = await runTests(mutant.tests);
    } finally {
      restore();
    }
    const row = { n: index + 1, guard: mutant.guard, mutant: mutant.id, result: outcome.failed.length ? 'caught' : 'SURVIVED', seconds: outcome.seconds, by: outcome.failed[0] ?? '' };
    rows.push(row);
    console.log(`${String(row.n).padStart(3)}. ${row.result.padEnd(8)} ${mutant.id} (${row.seconds}s)${row.by ? ` — ${row.by}` : ''}`);
  }
} finally {
  restore();
  rmSync(scratch, { recursive: true, force: true });
}

const clip = (text, width) => (text.length > width ? `${text.slice(0, width - 1)}…` : text);
console.log(`\n| # | guard | mutant (removed) | result | s | first failing test |\n|---|---|---|---|---|---|`);
for (const row of rows) console.log(`| ${row.n} | ${row.guard} | ${row.mutant} | ${row.result} | ${row.seconds} | ${clip(row.by.replace(/\|/g, '/'), 110)} |`);
const survived = rows.filter((row) => row.result !== 'caught');
console.log(`\n${rows.length - survived.length} of ${rows.length} mutants caught; ${survived.length} survived. Storage: ${mode}.`);
process.exit(survived.length ? 1 : 0);

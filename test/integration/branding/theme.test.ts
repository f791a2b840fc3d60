import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { ConfigError } from '../../../src/config/load.js';
import { loadTheme, ThemeError } from '../../../src/http/theme.js';
import { createRenderer, VIEWS_DIRECTORY } from '../../../src/http/views.js';
import { createMailRenderer } from '../../../src/mail/templates.js';
import { loadCatalogs } from '../../../src/i18n/catalogs.js';
import { createI18n } from '../../../src/i18n/index.js';
import { startServerProcess } from '../../support/processes.js';

const folders: string[] = [];
/** A theme folder with these files (path → content). */
function theme(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'idp-theme-'));
  folders.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}
afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

const branding = { productName: 'Acme ID' };
const i18n = createI18n(loadCatalogs({ defaultLocale: 'en' }));
const errorPage = { message: 'Nothing here.', requestId: 'r-1' };

describe('THEME_DIR', () => {
  it('replaces a page, a partial and a mail of the same name, and keeps the rest', () => {
    const dir = theme({
      'pages/error.eta': "<% layout('../partials/layout', { ...it, title: 'Oops' }) %>\n<h1 id=\"page-title\">Themed error</h1>\n<%~ include('../partials/help') %>",
      'partials/help.eta': '<p class="themed-help">Call the desk</p>',
      'partials/layout.eta': '<!doctype html><html lang="en"><body class="themed"><%~ it.body %></body></html>',
      'mail/password-changed.text.eta': 'Themed text for <%= it.productName %>',
      'theme.css': ':root { --accent: #0b3d91; }',
    });
    const loaded = loadTheme(dir, VIEWS_DIRECTORY);
    expect(loaded.stylesheet?.toString()).toBe(':root { --accent: #0b3d91; }');
    const render = createRenderer(branding, i18n, loaded);
    const page = render('error', errorPage);
    expect(page).toContain('<body class="themed"><h1 id="page-title">Themed error</h1>\n<p class="themed-help">Call the desk</p>');
    // A page the theme does not replace still renders, inside the theme's layout.
    expect(render('notice', { title: 'T', heading: 'Built-in notice', message: 'm' })).toMatch(/<body class="themed">[\s\S]*Built-in notice/);
    const mail = createMailRenderer({ productName: 'Acme ID', issuer: 'https://id.example.com' }, i18n, loaded)('password-changed', { byReset: false, accountUrl: 'a', resetUrl: 'r' });
    expect(mail.text).toBe('Themed text for Acme ID');
    expect(mail.html).toContain('Acme ID');
  });

  it('escapes what a themed template prints, as the built-in ones do', () => {
    const dir = theme({ 'pages/error.eta': '<p><%= it.message %></p>' });
    expect(createRenderer(branding, i18n, loadTheme(dir, VIEWS_DIRECTORY))('error', { message: '<script>x</script>' })).toBe('<p>&lt;script&gt;x&lt;/script&gt;</p>');
  });

  it('reports a JavaScript syntax error with the file and line', () => {
    const dir = theme({ 'pages/login.eta': '<h1>Sign in</h1>\n<p>\n<%= it.clientName + %>\n</p>' });
    expect(() => loadTheme(dir, VIEWS_DIRECTORY)).toThrow(ThemeError);
    expect(() => loadTheme(dir, VIEWS_DIRECTORY)).toThrow(/^THEME_DIR: pages\/login\.eta:3: /);
  });

  it('reports an unclosed tag with its line', () => {
    const dir = theme({ 'partials/layout.eta': '<html>\n<body>\n<%~ it.body \n</body>' });
    expect(() => loadTheme(dir, VIEWS_DIRECTORY)).toThrow(/^THEME_DIR: partials\/layout\.eta: unclosed tag at line 3/);
  });

  it('reports a layout or partial that exists nowhere, with the line', () => {
    const dir = theme({ 'pages/consent.eta': "<% layout('../partials/layout', it) %>\n<%~ include('../partials/no-such-partial') %>" });
    expect(() => loadTheme(dir, VIEWS_DIRECTORY)).toThrow("THEME_DIR: pages/consent.eta:2: includes '../partials/no-such-partial', which is neither in the theme nor in views/");
  });

  it('refuses names that lead out of the views, a page that replaces nothing, symbolic links and other files', () => {
    const escape = theme({ 'pages/error.eta': "<%~ include('../../../../etc/passwd') %>" });
    expect(() => loadTheme(escape, VIEWS_DIRECTORY)).toThrow(/pages\/error\.eta:1: includes '\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd'/);
    expect(() => createRenderer(branding, i18n, loadTheme(theme({ 'pages/error.eta': '<%~ include(it.message) %>' }), VIEWS_DIRECTORY))('error', { message: '../../../etc/passwd' })).toThrow(/not in the views directory/);
    expect(() => loadTheme(theme({ 'pages/logn.eta': 'x' }), VIEWS_DIRECTORY)).toThrow('THEME_DIR: pages/logn.eta replaces no template (see views/pages/ for the names)');
    expect(() => loadTheme(theme({ 'pages/notes.txt': 'x' }), VIEWS_DIRECTORY)).toThrow('THEME_DIR: pages/notes.txt is not a template (.eta)');
    const linked = theme({});
    mkdirSync(join(linked, 'pages'));
    symlinkSync('/etc/hostname', join(linked, 'pages', 'error.eta'));
    expect(() => loadTheme(linked, VIEWS_DIRECTORY)).toThrow('THEME_DIR: pages/error.eta is not a regular file (symbolic links and folders are not followed)');
    expect(() => loadTheme('/nonexistent/theme', VIEWS_DIRECTORY)).toThrow('THEME_DIR: /nonexistent/theme is not a readable folder');
    expect(new ThemeError('x')).toBeInstanceOf(ConfigError);
  });

  it('stops the server at start, before it listens, naming the broken file and line', async () => {
    const dir = theme({ 'pages/login.eta': "<% layout('../partials/layout', it) %>\n<h1>Sign in</h1>\n<% if (it.x) { %>" });
    const data = mkdtempSync(join(tmpdir(), 'idp-theme-data-'));
    folders.push(data);
    await expect(startServerProcess({ THEME_DIR: dir, DATA_DIR: data })).rejects.toThrow(/exited with 1 before listening:[\s\S]*Configuration error: THEME_DIR: pages\/login\.eta/);
  });
});

import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from '@jest/globals';
import * as oidc from 'openid-client';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Container } from '../../src/container.js';
import type { RegisteredClient } from './relying-party.js';

/** Debian's chromium package; browser tests never download a browser (shared/TOOLCHAIN.md). */
export const CHROMIUM_PATH = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM_PATH);

/**
 * `describe` for browser tests. Without Chromium the block is skipped, and both its title and a
 * line on stderr say why, so a skipped run is never mistaken for a passing one. CI installs Chromium.
 */
export function describeInBrowser(title: string, body: () => void): void {
  if (hasChromium) return describe(title, body);
  // Straight to stderr: jest drops buffered console output of a suite in which every test is skipped.
  process.stderr.write(`\n  Browser tests skipped: ${CHROMIUM_PATH} is not installed (apt-get install chromium).\n\n`);
  describe.skip(`${title} (skipped: ${CHROMIUM_PATH} not installed)`, body);
}

/**
 * Headless Chromium with the flags that keep it off the network: without them it keeps calling
 * Google services, which the closed test network refuses. Playwright gives it a fresh temporary
 * profile on every launch.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Screenshots are artifacts for people to look at (gitignored), not golden images to compare. */
export const ARTIFACTS_DIRECTORY = fileURLToPath(new URL('../../test-artifacts/browser', import.meta.url));

export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIRECTORY, { recursive: true });
  const path = join(ARTIFACTS_DIRECTORY, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Collects what the page would tell a developer: CSP refusals, failed loads, script errors. */
export function collectConsoleProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
  });
  return problems;
}

const LOGO_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">' +
  '<rect width="64" height="64" rx="14" fill="#2f5bea"/>' +
  '<path d="M20 34l8 8 16-18" stroke="#fff" stroke-width="6" fill="none" stroke-linecap="round" stroke-linejoin="round"/></svg>';

export interface RelyingPartySite {
  origin: string;
  callbackUrl: string;
  signedOutUrl: string;
  logoUrl: string;
  /** A page that tries to show `url` in an iframe (for the clickjacking test). */
  framingPageUrl(url: string): string;
  close(): Promise<void>;
}

/**
 * The relying party's own web site, on another origin than the identity provider: the browser
 * really follows the redirects to it, as it would in production. It also serves the product logo,
 * so the test proves the CSP admits a logo from the configured origin.
 */
export async function startRelyingPartySite(): Promise<RelyingPartySite> {
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const html = (title: string, body: string) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(`<!doctype html><html lang="en"><head><title>${title}</title></head><body>${body}</body></html>`);
    };
    if (url.pathname === '/callback') return html('Test app', '<h1>Back at the test app</h1>');
    if (url.pathname === '/signed-out') return html('Test app', '<h1>Signed out of the test app</h1>');
    if (url.pathname === '/framing') {
      const target = (url.searchParams.get('src') ?? '').replaceAll('"', '&quot;');
      return html('Framing attempt', `<iframe name="victim" src="${target}" width="600" height="400"></iframe>`);
    }
    if (url.pathname === '/logo.svg') {
      response.writeHead(200, { 'content-type': 'image/svg+xml' });
      return response.end(LOGO_SVG);
    }
    // 204, not 404: the browser asks every origin for a favicon, and a 404 would read as a fault.
    response.writeHead(url.pathname === '/favicon.ico' ? 204 : 404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    origin,
    callbackUrl: `${origin}/callback`,
    signedOutUrl: `${origin}/signed-out`,
    logoUrl: `${origin}/logo.svg`,
    framingPageUrl: (target) => `${origin}/framing?src=${encodeURIComponent(target)}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Registers a web client whose redirect and post-logout URIs point at the relying party's site. */
export async function registerSiteClient(issuer: string, container: Container, site: RelyingPartySite): Promise<RegisteredClient> {
  const { client, clientSecret } = await container.clients.createClient({
    name: 'Acme Notes',
    type: 'web',
    redirectUris: [site.callbackUrl],
    postLogoutRedirectUris: [site.signedOutUrl],
  });
  const config = await oidc.discovery(new URL(issuer), client.client_id, undefined, oidc.ClientSecretBasic(clientSecret!), {
    execute: [oidc.allowInsecureRequests],
  });
  return { clientId: client.client_id, clientSecret, config };
}

/** Fills the hosted login form and allows the consent, as a person with a mouse would. */
export async function signInThroughPages(page: Page, authorizationUrl: string, credentials: { email: string; password: string }) {
  await page.goto(authorizationUrl);
  await page.getByLabel('Email').fill(credentials.email);
  await page.getByLabel('Password').fill(credentials.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Allow' }).click();
}

/**
 * What every browser test starts from: the whole local stack on free ports
 * in a fresh data folder, one headless Chromium, pages that report their
 * console errors (CSP violations show as those) into one list, and the
 * register form filled in as a person would.
 */
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { StackOptions } from '@homeagent/local/stack';
import { PASSWORD, startLocalStack, type LocalStack, type Teardown } from '../local-stack.js';

export { PASSWORD };

/** Where screenshots go, for a person to look at after a run. */
export const ARTIFACTS = fileURLToPath(new URL('../../../artifacts/', import.meta.url));

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface BrowserStack extends LocalStack {
  browser: Browser;
  /** console errors and uncaught page errors of every page opened with `openPage` */
  pageErrors: string[];
  /** A new browser context (its own cookies) and a page in it. */
  openPage: (viewport?: { width: number; height: number }) => Promise<{ context: BrowserContext; page: Page }>;
}

/** Starts the stack and Chromium; both stop, and the data folder goes, when `t` ends. */
export async function startBrowserStack(
  t: Teardown,
  dataDirPrefix: string,
  options: Omit<StackOptions, 'dataDir'> = {},
): Promise<BrowserStack> {
  const local = await startLocalStack(t, dataDirPrefix, options);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  t.teardown(() => browser.close());

  const pageErrors: string[] = [];
  async function openPage(viewport = { width: 1100, height: 900 }) {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    return { context, page };
  }
  return { ...local, browser, pageErrors, openPage };
}

/**
 * Fills in the rest of the register form (the invite code is already in it)
 * and waits until the new account lands signed in on the home page.
 */
export async function register(page: Page, stackUrl: string, username: string, displayName: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Display name').fill(displayName);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${stackUrl}/`);
}

/** Opens the register page, types `invite` into it and registers. */
export async function registerWithInvite(page: Page, stackUrl: string, invite: string, username: string, displayName: string): Promise<void> {
  await page.goto(`${stackUrl}/register`);
  await page.getByLabel('Invite code').fill(invite);
  await register(page, stackUrl, username, displayName);
}

import * as path from 'node:path';
import { defineConfig } from '@playwright/test';
import { DB_FILE, E2E_DIR, MAIL_DIR, PORTAL_ADDR, PORTAL_URL, SMTP_SINK_PORT } from './support/paths';

/** Quotes a value for the POSIX shell Playwright runs webServer commands in. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

const replenishBin = path.resolve(E2E_DIR, process.env.REPLENISH_BIN ?? '../target/debug/replenish');
const siteRoot = path.resolve(E2E_DIR, process.env.LEPTOS_SITE_ROOT ?? '../target/site');

// Debian's Chromium: Playwright's own browser downloads are not reachable here.
const launchOptions = {
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

export default defineConfig({
  testDir: './tests',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: 'list',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  outputDir: './test-results',
  use: {
    baseURL: PORTAL_URL,
    browserName: 'chromium',
    launchOptions,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'js-on',
      use: { browserName: 'chromium', launchOptions, javaScriptEnabled: true },
    },
    {
      name: 'js-off',
      use: { browserName: 'chromium', launchOptions, javaScriptEnabled: false },
    },
  ],
  // Playwright starts these in order, before globalSetup, and stops them at the end.
  webServer: [
    {
      name: 'smtp-sink',
      // .run (database and mail) must be fresh for every run: wipe it first.
      command: 'node support/fresh-run.cjs && exec python3 smtp_sink.py',
      port: SMTP_SINK_PORT,
      env: {
        SMTP_SINK_DIR: MAIL_DIR,
        SMTP_SINK_PORT: String(SMTP_SINK_PORT),
        PYTHONUNBUFFERED: '1',
      },
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: 'pipe',
      stderr: 'pipe',
      gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
    },
    {
      name: 'replenish',
      command: `exec ${shellQuote(replenishBin)} serve`,
      url: `${PORTAL_URL}/healthz`,
      env: {
        DATABASE_URL: `sqlite://${DB_FILE}?mode=rwc`,
        LEPTOS_SITE_ADDR: PORTAL_ADDR,
        LEPTOS_SITE_ROOT: siteRoot,
        LEPTOS_SITE_PKG_DIR: 'pkg',
        LEPTOS_OUTPUT_NAME: 'replenish',
        PUBLIC_URL: PORTAL_URL,
        SMTP_URL: `smtp://127.0.0.1:${SMTP_SINK_PORT}`,
        MAIL_FROM: 'Replenish <noreply@replenish.test>',
        REVIEW_INBOX: 'review@replenish.test',
        RUST_LOG: 'info',
      },
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: 'pipe',
      stderr: 'pipe',
      gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
    },
  ],
});

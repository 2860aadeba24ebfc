import { test, type Page } from '@playwright/test';

/** True when the running project has JavaScript enabled (js-on), false for js-off. */
export function javaScriptEnabled(): boolean {
  return test.info().project.use.javaScriptEnabled !== false;
}

/**
 * Waits until the current page is ready for interaction: loaded and, when
 * JavaScript is enabled, its WASM running (the bundle sets
 * data-hydrated="true" on <body>, and the navigation script on each body it
 * swaps in once the bundle runs, so the marker is per page).
 *
 * Call it after something that proves the new page is there (for example an
 * expect on its heading): right after a click, the previous page, which is
 * already hydrated, may still be showing.
 */
export async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('load');
  if (javaScriptEnabled()) {
    await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });
  }
}

/** Navigates to `url` (relative to baseURL or absolute) and waits until the page settles. */
export async function visit(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await settle(page);
}

/**
 * Moving between pages with JavaScript on: links, forms, and back and
 * forward replace the page without reloading it (a marker set on the window
 * survives), the address and the title follow, and a refused form puts the
 * focus on the first field to fix. Without JavaScript the same steps are
 * ordinary page loads, which the other specs cover.
 */
import type { Page } from '@playwright/test';
import { expect, test } from '../support/test';
import { javaScriptEnabled, settle } from '../support/page';
import { field, mainHeading, uniqueEmail, visitChecked } from '../support/portal';

type Marked = Window & { stayed?: boolean };

async function markWindow(page: Page): Promise<void> {
  await page.evaluate(() => ((window as Marked).stayed = true));
}

async function windowStayed(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as Marked).stayed === true);
}

test.beforeEach(() => {
  test.skip(!javaScriptEnabled(), 'without JavaScript every step is a page load');
});

test('links, back and forward replace the page without reloading it', async ({ page }) => {
  await visitChecked(page, '/signin');
  await markWindow(page);

  await page.getByRole('link', { name: 'Create an account', exact: true }).click();
  await expect(mainHeading(page, 'Create your account')).toBeVisible();
  await settle(page);
  await expect(page).toHaveURL(/\/signup$/);
  await expect(page).toHaveTitle(/Create account/);

  await page.goBack();
  await expect(mainHeading(page, 'Sign in')).toBeVisible();
  await expect(page).toHaveURL(/\/signin$/);
  await expect(page).toHaveTitle(/Sign in/);

  await page.goForward();
  await expect(mainHeading(page, 'Create your account')).toBeVisible();
  await expect(page).toHaveURL(/\/signup$/);
  await settle(page);
  expect(await windowStayed(page)).toBe(true);
});

test('a refused form comes back in place with the focus on the field to fix', async ({ page }) => {
  await visitChecked(page, '/signup');
  await markWindow(page);

  await field(page, 'Email').fill(uniqueEmail('navigation'));
  await field(page, 'Password').fill('short');
  await page.getByRole('button', { name: 'Create account', exact: true }).click();

  const password = field(page, 'Password');
  await expect(password).toHaveAttribute('aria-invalid', 'true');
  await settle(page);
  await expect(password).toBeFocused();
  expect(await windowStayed(page)).toBe(true);
});

test('pages swapped out are freed', async ({ page }) => {
  // Chromium's count of live DOM nodes after a full collection: a page kept alive after its swap (by an
  // island, a listener or a reference) adds its whole body to it on every visit.
  const cdp = await page.context().newCDPSession(page);
  const liveNodes = async (): Promise<number> => {
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('HeapProfiler.collectGarbage');
    return (await cdp.send('Memory.getDOMCounters')).nodes;
  };
  const roundTrip = async (): Promise<void> => {
    await page.getByRole('link', { name: 'Create an account', exact: true }).click();
    await expect(mainHeading(page, 'Create your account')).toBeVisible();
    await settle(page);
    await page.getByRole('main').getByRole('link', { name: 'Sign in', exact: true }).click();
    await expect(mainHeading(page, 'Sign in')).toBeVisible();
    await settle(page);
  };

  await visitChecked(page, '/signin');
  await markWindow(page);
  await roundTrip();
  const settled = await liveNodes();
  for (let visit = 0; visit < 10; visit += 1) {
    await roundTrip();
  }
  expect(await windowStayed(page)).toBe(true);
  // Twenty swaps that each kept their page would add well over a thousand nodes; a few dozen is noise.
  expect(await liveNodes()).toBeLessThan(settled + 50);
});

/**
 * What a device maker's specs share: buttons by exact name, the maker's
 * cloud on loopback (return URL and notification receiver), and a reviewer
 * approving a replenishment-ID request in their own browser.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, type Browser, type Locator, type Page } from '@playwright/test';
import { javaScriptEnabled, settle } from './page';
import { PASSWORD, createReviewer, field, mainHeading, signIn, uniqueEmail, visitChecked } from './portal';

export function button(scope: Page | Locator, name: string): Locator {
  return scope.getByRole('button', { name, exact: true });
}

export interface Hook {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** The maker's cloud: answers its return URL, and receives notifications at /hook. */
export async function startCloud(): Promise<{ url: string; hookUrl: string; hooks: Hook[]; close: () => void }> {
  const hooks: Hook[] = [];
  const server = http.createServer((request, response) => {
    if (request.method === 'POST') {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        hooks.push({ headers: request.headers, body });
        response.writeHead(204).end();
      });
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end('<!doctype html><html lang="en"><title>Cloud</title><h1>Device linked</h1></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/callback`, hookUrl: `http://127.0.0.1:${port}/hook`, hooks, close: () => server.close() };
}

export async function approveAsReviewer(browser: Browser, deviceName: string): Promise<void> {
  const reviewer = uniqueEmail('client-reviewer');
  createReviewer(reviewer);
  const context = await browser.newContext({ javaScriptEnabled: javaScriptEnabled() });
  const page = await context.newPage();
  await signIn(page, reviewer, PASSWORD);
  await visitChecked(page, '/review');
  await page.getByRole('table', { name: /^Waiting for review/ }).getByRole('link', { name: deviceName }).click();
  await expect(mainHeading(page, `Replenishment-ID request for ${deviceName}`)).toBeVisible();
  await settle(page);
  await button(page, 'Approve and issue IDs').click();
  await expect(page.getByRole('status').filter({ hasText: 'Approved' })).toBeVisible();
  await context.close();
}


/** On the Replenishment IDs tab: requests the ID of the Level/Count slot `slot-01` and submits it for review. */
export async function requestReplenishmentId(
  page: Page,
  request: { customerId: string; testAccount: string; unitSize: string; consumable: string; asins: string },
): Promise<void> {
  await expect(page.getByRole('heading', { level: 2, name: 'Replenishment IDs', exact: true })).toBeVisible();
  await settle(page);
  await field(page, 'Customer ID').fill(request.customerId);
  await field(page, 'Test accounts').fill(request.testAccount);
  const slot = page.getByRole('group', { name: 'Slot slot-01 · Coffee pods', exact: true });
  await slot.getByRole('radio', { name: 'Level', exact: true }).check();
  await slot.getByLabel('Measurement', { exact: true }).selectOption('Count');
  await slot.getByLabel('Unit size of one refill', { exact: true }).fill(request.unitSize);
  await slot.getByLabel('Consumable (brand, product, pack size)', { exact: true }).fill(request.consumable);
  await slot.getByLabel('Custom ASIN list (optional)', { exact: true }).fill(request.asins);
  await button(page, 'Submit for review').click();
  await expect(page.getByRole('heading', { name: 'Request: Waiting for review' })).toBeVisible();
}

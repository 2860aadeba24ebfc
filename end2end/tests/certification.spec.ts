/**
 * Certify Marketplace, the whole way a new maker goes: register a device,
 * give it an image and names, define its slot, request its replenishment ID
 * and have a reviewer approve it; then, in the sandbox, link a test device for
 * a tester (who accepted the invitation on their page) and drive every checklist case with the device simulator (each
 * call through the real runtime API), move the test clock, submit the
 * marketplace, and have a reviewer certify it: the device shows its badge.
 *
 * JavaScript on (the simulator's forms also post without it; the HTTP tests
 * cover that); every page visited is checked with axe.
 */
import type { Locator, Page } from '@playwright/test';
import { expect, test } from '../support/test';
import { javaScriptEnabled, settle } from '../support/page';
import { extractLink, waitForMail } from '../support/mail';
import { WHITE, TEAL, squarePng, writePng } from '../support/images';
import { approveAsReviewer, button, requestReplenishmentId, startCloud } from '../support/maker';
import {
  PASSWORD,
  checkpoint,
  createReviewer,
  field,
  mainHeading,
  signIn,
  signUp,
  uniqueEmail,
  verifyEmailFromMail,
  visitChecked,
} from '../support/portal';

const US = 'United States (US)';
const CASES = [
  'image',
  'names',
  'ids',
  'token',
  'slot_status',
  'test_order',
  'in_progress',
  'cancelled',
  'deregistered',
  'notifications',
  'sensors',
];

function notice(page: Page, text: string | RegExp): Locator {
  return page.getByRole('status').filter({ hasText: text });
}

function deviceTab(page: Page, name: string): Locator {
  return page.getByRole('navigation', { name: 'Device sections' }).getByRole('link', { name, exact: true });
}

/** Sends one simulator call and waits for its answer on the page. */
async function simulate(page: Page, form: string, answer: number, fill?: (form: Locator) => Promise<void>): Promise<Locator> {
  const scope = page.getByRole('form', { name: form, exact: true });
  if (fill) await fill(scope);
  await button(scope, form === 'Send a sensor reading' ? 'Send sensor reading' : form).click();
  const last = page.locator('.simulator-exchange');
  await expect(last.getByRole('heading', { name: `Last call: ${form}` })).toBeVisible();
  await expect(last.getByRole('status')).toHaveText(`Answered ${answer}`);
  await settle(page);
  return last.getByRole('figure', { name: 'Response' });
}

test('a new maker takes a device from registration to a certified marketplace with the sandbox simulator', async ({ page, browser }, testInfo) => {
  test.skip(!javaScriptEnabled(), 'the journey runs hydrated; the forms without JavaScript are covered step by step elsewhere');
  test.setTimeout(420_000);
  const maker = uniqueEmail('cert-maker');
  const tester = uniqueEmail('cert-tester');
  const stamp = `${testInfo.project.name}-${Date.now()}`;
  const deviceName = `Soap Dispenser ${stamp}`;
  const cloud = await startCloud();
  let devicePath = '';

  await test.step('1. register, customize, name the slot and request its replenishment ID; a reviewer approves', async () => {
    await signUp(page, { email: maker, password: PASSWORD, org: 'Suds Inc' });
    await verifyEmailFromMail(page, maker);
    await signIn(page, maker, PASSWORD);
    await page.getByRole('link', { name: 'Register a device', exact: true }).first().click();
    await expect(mainHeading(page, 'Register a device')).toBeVisible();
    await settle(page);
    await field(page, 'Device name').fill(deviceName);
    await field(page, 'Model ID').fill(`SD-${stamp}`);
    await field(page, 'Consumable category of the first slot').selectOption({ label: 'Coffee pods' });
    await button(page, 'Save').click();
    await expect(mainHeading(page, deviceName)).toBeVisible();
    await settle(page);
    devicePath = new URL(page.url()).pathname;

    const image = page.getByRole('region', { name: 'Device image', exact: true });
    await field(page, 'Upload an image').setInputFiles(
      writePng(testInfo.outputPath('device.png'), squarePng({ size: 400, background: WHITE, square: TEAL })),
    );
    await button(image, 'Upload image').click();
    await expect(notice(page, 'Image saved.')).toBeVisible();
    await settle(page);

    await deviceTab(page, 'Localization').click();
    await field(page, `Friendly name in ${US}`).fill('Suds Dispenser');
    await button(page, 'Update').click();
    await expect(notice(page, 'Friendly names updated.')).toBeVisible();
    await settle(page);
    await deviceTab(page, 'Slot localization').click();
    await field(page, `Name of slot slot-01 in ${US}`).fill('Soap pods');
    await button(page, 'Update').click();
    await expect(notice(page, 'Slot names updated.')).toBeVisible();
    await checkpoint(page);

    await deviceTab(page, 'Replenishment IDs').click();
    await requestReplenishmentId(page, {
      customerId: 'A2SUDS',
      testAccount: tester,
      unitSize: '20',
      consumable: 'Suds pods, 20-pack',
      asins: 'B0SUDSPOD1, B0SUDSPOD2',
    });
    await approveAsReviewer(browser, deviceName);
  });

  await test.step('2. a security profile, and a notification endpoint for every event type', async () => {
    await visitChecked(page, `${devicePath.replace(/\/devices\/.*$/, '')}/settings/security-profiles`);
    await field(page, 'Name').fill('Suds Cloud');
    await field(page, 'Return URLs').fill(cloud.url);
    await button(page, 'Create profile').click();
    await expect(page.getByRole('heading', { name: 'Copy the client secret now' })).toBeVisible();
    await visitChecked(page, `${devicePath.replace(/\/devices\/.*$/, '')}/settings/notifications`);
    await field(page, 'Endpoint URL').fill(cloud.hookUrl);
    await button(page, 'Add endpoint').click();
    await expect(page.getByRole('heading', { name: 'Copy the signing secret now' })).toBeVisible();
  });

  const testerContext = await browser.newContext();
  const testerPage = await testerContext.newPage();
  await test.step('3. the tester creates a customer account at /my and verifies it', async () => {
    await visitChecked(testerPage, '/my');
    const form = testerPage.getByRole('region', { name: 'New here? Create an account' });
    await form.getByLabel('Email', { exact: true }).fill(tester);
    await form.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await form.getByLabel('Your marketplace', { exact: true }).selectOption('US');
    await button(form, 'Create account').click();
    await expect(mainHeading(testerPage, 'Check your email')).toBeVisible();
    const mail = await waitForMail(tester, 'Verify your email');
    await visitChecked(testerPage, extractLink(mail.text, '/my/verify'));
    await button(testerPage, 'Verify email').click();
    await expect(mainHeading(testerPage, 'Your devices and orders')).toBeVisible();
    await expect(testerPage.getByText(tester).first()).toBeVisible();
    await checkpoint(testerPage);
    // The maker listed this address; the tester agrees to be linked by the maker's sandbox.
    await testerPage.getByRole('button', { name: 'Accept: Suds Dispenser by Suds Inc' }).click();
    await expect(testerPage.getByRole('status').filter({ hasText: 'Invitation accepted' })).toBeVisible();
    await expect(testerPage.getByRole('button', { name: 'Stop testing: Suds Dispenser by Suds Inc' })).toBeVisible();
    await checkpoint(testerPage);
  });

  await test.step('4. the simulator links a test device for the tester and drives every case', async () => {
    await visitChecked(page, `${devicePath}/sandbox`);
    await expect(page.getByRole('heading', { level: 2, name: 'Device simulator' })).toBeVisible();
    await expect(page.getByText('No test device is linked yet.')).toBeVisible();
    await field(page, 'Test account').selectOption({ label: `${tester} · US` });
    await button(page, 'Link a test device').click();
    await expect(field(page, 'Test device')).toContainText(tester);
    await checkpoint(page);

    // A typo is refused next to its field, and nothing is sent.
    const status = page.getByRole('form', { name: 'Report slot status', exact: true });
    await status.getByLabel('Remaining quantity', { exact: true }).fill('two');
    await button(status, 'Report slot status').click();
    await expect(status.getByLabel('Remaining quantity', { exact: true })).toHaveAttribute('aria-invalid', 'true');
    await expect(status.getByText('Enter a number, such as 2.5.')).toBeVisible();
    await checkpoint(page);

    const reported = await simulate(page, 'Report slot status', 200, (form) =>
      form.getByLabel('Remaining quantity', { exact: true }).fill('5'),
    );
    await expect(page.getByRole('figure', { name: 'Request' })).toContainText('POST /slotStatus/slot-01 HTTP/1.1');
    await expect(reported).toContainText('HTTP/1.1 200 OK');
    await checkpoint(page);
    await expect(await simulate(page, 'Replenish', 200)).toContainText('TEST_ORDER_PLACED');
    await expect(await simulate(page, 'Replenish', 200)).toContainText('ORDER_INPROGRESS');
    await expect(await simulate(page, 'Cancel test orders', 200)).toContainText('slotOrderStatuses');
    await expect(await simulate(page, 'Replenish', 200)).toContainText('TEST_ORDER_PLACED');

    // The test clock takes that order through its hold, shipping and delivery.
    await button(page, 'Advance 3 days').click();
    await expect(page.getByText(/^3 days ahead/)).toBeVisible();
    await settle(page);
    await button(page, 'Advance 3 days').click();
    await expect(page.getByText(/^6 days ahead/)).toBeVisible();
    await settle(page);

    await simulate(page, 'Send a sensor reading', 202, (form) => form.getByLabel('Reading', { exact: true }).fill('0'));
    await checkpoint(page);
  });

  await test.step('5. the tester changes the product on /my; the simulator deregisters the device', async () => {
    await visitChecked(testerPage, '/my');
    await testerPage.getByLabel('Soap pods: product', { exact: true }).selectOption('B0SUDSPOD2');
    await testerPage.getByRole('button', { name: 'Save product for Soap pods' }).click();
    await expect(testerPage.getByRole('status').filter({ hasText: 'Product saved.' })).toBeVisible();
    await expect(testerPage.getByLabel('Soap pods: product', { exact: true })).toHaveValue('B0SUDSPOD2');
    await testerContext.close();

    await visitChecked(page, `${devicePath}/sandbox`);
    await simulate(page, 'Deregister', 200);
    await expect(page.getByText('No test device is linked yet.')).toBeVisible();
    await checkpoint(page);
  });

  await test.step('6. every case passes on its evidence, and the maker submits US', async () => {
    await deviceTab(page, 'Certification').click();
    await expect(page.getByRole('heading', { level: 2, name: /\(US\)$/ })).toBeVisible();
    // Notifications are delivered by a worker and the request log is written every second.
    await expect(async () => {
      await page.reload();
      for (const key of CASES) {
        await expect(page.locator(`[data-case="${key}"] .case-state`), key).toHaveText('Passed', { timeout: 500 });
      }
    }).toPass({ timeout: 30_000 });
    await settle(page);
    await checkpoint(page);
    await button(page, 'Certify Marketplace US').click();
    await expect(notice(page, 'US was submitted for certification.')).toBeVisible();
    await expect(page.getByRole('list', { name: 'Certification' })).toContainText('US · Submitted for certification');
    await checkpoint(page);
  });

  await test.step('7. a reviewer certifies it from the queue; the maker is emailed and the badge shows', async () => {
    const reviewer = uniqueEmail('cert-reviewer');
    createReviewer(reviewer);
    const context = await browser.newContext();
    const review = await context.newPage();
    await signIn(review, reviewer, PASSWORD);
    await visitChecked(review, '/review');
    await review.getByRole('table', { name: /certification request\(s\)/ }).getByRole('link', { name: deviceName }).click();
    await expect(mainHeading(review, `Certification of ${deviceName} in US`)).toBeVisible();
    await settle(review);
    await checkpoint(review);
    await button(review, 'Certify marketplace').click();
    await expect(notice(review, 'Certified; the maker has been emailed.')).toBeVisible();
    await checkpoint(review);
    await context.close();

    const mail = await waitForMail(maker, `Certified: ${deviceName} in US`);
    expect(mail.text).toContain('customers there can now link it for live replenishment');
    await visitChecked(page, devicePath);
    await expect(page.getByRole('list', { name: 'Certification' })).toContainText('US · Certified');
    cloud.close();
  });
});

/**
 * The replenishment-ID journey: a maker fills in the request (a refused
 * submit first), submits it; the reviewers' inbox receives the full request;
 * a reviewer follows the email's link, signs in, and asks for changes; the
 * maker reads the note, corrects the request and resubmits; the reviewer
 * finds it in the queue and approves; the maker sees the issued ID and copies
 * the discovery JSON (with the copy button when JavaScript runs, from the
 * page otherwise).
 *
 * Runs in both projects with accounts unique to the run and the project.
 * Every page visited is checked with axe.
 */
import type { Locator, Page } from '@playwright/test';
import { expect, test } from '../support/test';
import { extractLink, waitForMail } from '../support/mail';
import { javaScriptEnabled, settle } from '../support/page';
import {
  PASSWORD,
  checkpoint,
  createReviewer,
  field,
  mainHeading,
  signIn,
  signOut,
  signUp,
  uniqueEmail,
  verifyEmailFromMail,
  visitChecked,
} from '../support/portal';

const REVIEW_INBOX = 'review@replenish.test';
const ID_PATTERN = /^arn:alexa:smarthome:drs:sensor:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function button(scope: Page | Locator, name: string): Locator {
  return scope.getByRole('button', { name, exact: true });
}

function notice(page: Page, text: string | RegExp): Locator {
  return page.getByRole('status').filter({ hasText: text });
}

function slotGroup(page: Page): Locator {
  return page.getByRole('group', { name: 'Slot slot-01 · Coffee pods', exact: true });
}

async function openReplenishmentTab(page: Page, deviceUrl: string): Promise<void> {
  await visitChecked(page, `${deviceUrl}/replenishment`);
  await expect(page.getByRole('heading', { level: 2, name: 'Replenishment IDs', exact: true })).toBeVisible();
}

test('maker requests replenishment IDs, a reviewer asks for changes, then approves; the maker copies the discovery JSON', async ({
  page,
}, testInfo) => {
  test.setTimeout(360_000);
  const maker = uniqueEmail('request-maker');
  const reviewer = uniqueEmail('reviewer');
  const deviceName = `Pod Brewer ${testInfo.project.name} ${Date.now()}`;
  const note = 'Please list your own pods as custom ASINs.';
  let deviceUrl = '';
  let reviewLink = '';

  await test.step('1. a maker registers a Skills Kit device with one slot of coffee pods', async () => {
    await signUp(page, { email: maker, password: PASSWORD, org: 'Brew Co' });
    await verifyEmailFromMail(page, maker);
    await signIn(page, maker, PASSWORD);
    await page.getByRole('link', { name: 'Register a device', exact: true }).first().click();
    await expect(mainHeading(page, 'Register a device')).toBeVisible();
    await settle(page);
    await field(page, 'Device name').fill(deviceName);
    await field(page, 'Model ID').fill(`PB-${testInfo.project.name}-${Date.now()}`);
    await field(page, 'Consumable category of the first slot').selectOption({ label: 'Coffee pods' });
    await button(page, 'Save').click();
    await expect(mainHeading(page, deviceName)).toBeVisible();
    deviceUrl = page.url().replace(/[?#].*$/, '');
    await checkpoint(page);
  });

  await test.step('2. an incomplete submission is refused next to the field; the full one is sent', async () => {
    await page.getByRole('navigation', { name: 'Device sections' }).getByRole('link', { name: 'Replenishment IDs' }).click();
    await expect(page.getByRole('heading', { level: 2, name: 'Replenishment IDs', exact: true })).toBeVisible();
    await checkpoint(page);
    await field(page, 'Customer ID').fill('A2BREWCO');
    await field(page, 'Test accounts').fill('tester@example.test');
    const slot = slotGroup(page);
    await slot.getByRole('radio', { name: 'Level', exact: true }).check();
    await slot.getByLabel('Measurement', { exact: true }).selectOption('Count');
    await slot.getByLabel('Unit size of one refill', { exact: true }).fill('30');
    await button(page, 'Submit for review').click();
    const description = slotGroup(page).getByLabel('Consumable (brand, product, pack size)', { exact: true });
    await expect(description).toHaveAttribute('aria-invalid', 'true');
    await expect(description).toHaveAccessibleDescription(/Describe the consumable/);
    await settle(page);
    await checkpoint(page);
    // What was typed is still there after the refusal.
    await expect(field(page, 'Customer ID')).toHaveValue('A2BREWCO');
    await expect(slotGroup(page).getByRole('radio', { name: 'Level', exact: true })).toBeChecked();

    await slotGroup(page).getByLabel('Consumable (brand, product, pack size)', { exact: true }).fill('Brew Co pods, 30-pack');
    await button(page, 'Submit for review').click();
    await expect(notice(page, 'Request submitted.')).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Request: Waiting for review' })).toBeVisible();
    await settle(page);
    await checkpoint(page);
  });

  await test.step('3. the reviewers’ inbox receives the full request with a link into the console', async () => {
    const mail = await waitForMail(REVIEW_INBOX, deviceName);
    expect(mail.subject).toContain('Review needed');
    expect(mail.text).toContain('A2BREWCO');
    expect(mail.text).toContain('Brew Co pods, 30-pack');
    expect(mail.text).toContain('tester@example.test');
    reviewLink = extractLink(mail.text, '/review/requests/');
    const confirmation = await waitForMail(maker, 'We received your');
    expect(confirmation.subject).toContain(deviceName);
    await signOut(page, maker);
  });

  await test.step('4. a reviewer follows the link, signs in, and asks for changes', async () => {
    createReviewer(reviewer);
    await page.goto(reviewLink);
    await expect(mainHeading(page, 'Sign in')).toBeVisible();
    await settle(page);
    await field(page, 'Email').fill(reviewer);
    await field(page, 'Password').fill(PASSWORD);
    await button(page, 'Sign in').click();
    await expect(mainHeading(page, `Replenishment-ID request for ${deviceName}`)).toBeVisible();
    await settle(page);
    await checkpoint(page);
    await expect(page.getByText('Brew Co pods, 30-pack')).toBeVisible();

    await button(page, 'Claim').click();
    await expect(notice(page, 'You claimed this request.')).toBeVisible();
    await settle(page);
    // A note is required to send a request back.
    await button(page, 'Request changes').click();
    await expect(field(page, 'What needs to change')).toHaveAttribute('aria-invalid', 'true');
    await settle(page);
    await field(page, 'What needs to change').fill(note);
    await button(page, 'Request changes').click();
    await expect(notice(page, 'Sent back for changes')).toBeVisible();
    await settle(page);
    await checkpoint(page);
    await signOut(page, reviewer);
  });

  await test.step('5. the maker reads the note, corrects the request and resubmits', async () => {
    const mail = await waitForMail(maker, 'Changes requested');
    expect(mail.text).toContain(note);
    await signIn(page, maker, PASSWORD);
    await openReplenishmentTab(page, deviceUrl);
    await expect(page.getByRole('heading', { name: 'Request: Changes requested' })).toBeVisible();
    await expect(page.getByText(note)).toBeVisible();
    // The form keeps what was submitted.
    await expect(field(page, 'Customer ID')).toHaveValue('A2BREWCO');
    await slotGroup(page).getByLabel('Custom ASIN list (optional)', { exact: true }).fill('B0BREWPOD1, B0BREWPOD2');
    await button(page, 'Submit for review').click();
    await expect(notice(page, 'Request submitted.')).toBeVisible();
    await settle(page);
    await checkpoint(page);
    await signOut(page, maker);
  });

  await test.step('6. the reviewer finds the request in the queue and approves it', async () => {
    await signIn(page, reviewer, PASSWORD);
    await visitChecked(page, '/review');
    await expect(mainHeading(page, 'Review queue')).toBeVisible();
    const row = page.getByRole('table', { name: /^Waiting for review/ }).getByRole('row').filter({ hasText: deviceName });
    await expect(row).toHaveCount(1);
    await row.getByRole('link', { name: deviceName }).click();
    await expect(mainHeading(page, `Replenishment-ID request for ${deviceName}`)).toBeVisible();
    await settle(page);
    await expect(page.getByText('B0BREWPOD1, B0BREWPOD2')).toBeVisible();
    await expect(page.getByText('Resubmitted with changes')).toBeVisible();
    await button(page, 'Approve and issue IDs').click();
    await expect(notice(page, 'Approved')).toBeVisible();
    await settle(page);
    await checkpoint(page);
    await signOut(page, reviewer);
  });

  await test.step('7. the maker sees the issued ID and copies the discovery JSON', async () => {
    const mail = await waitForMail(maker, 'Approved');
    expect(mail.subject).toContain(deviceName);
    await signIn(page, maker, PASSWORD);
    await openReplenishmentTab(page, deviceUrl);
    await expect(page.getByRole('heading', { name: 'Issued IDs' })).toBeVisible();
    const json = page.getByLabel('Discovery JSON for slot slot-01', { exact: true });
    const capability = JSON.parse((await json.textContent()) ?? '');
    expect(capability.instance).toBe('slot-01');
    expect(capability.interface).toBe('Alexa.InventoryLevelSensor');
    expect(capability.configuration.measurement).toEqual({ '@type': 'Count' });
    expect(capability.configuration.replenishment['@type']).toBe('DashReplenishmentId');
    const id: string = capability.configuration.replenishment.value;
    expect(id).toMatch(ID_PATTERN);
    const issued = page.getByRole('article', { name: 'Slot slot-01', exact: true });
    await expect(issued.getByText(id, { exact: true })).toBeVisible();
    // The change-request form, folded away, names the same ID as the slot's current one.
    await expect(page.getByText('Request a change', { exact: true })).toBeVisible();

    const copy = button(page, 'Copy JSON for slot slot-01');
    if (javaScriptEnabled()) {
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
      await copy.click();
      await expect(notice(page, 'Copied.')).toBeVisible();
      const copied = await page.evaluate(() => navigator.clipboard.readText());
      expect(JSON.parse(copied)).toEqual(capability);
    } else {
      // Without JavaScript there is nothing to press: the JSON is on the page to select.
      await expect(copy).toHaveCount(0);
    }
    await checkpoint(page);
  });
});

/**
 * The device pages by keyboard alone: an owner reaches "Register a device"
 * with Tab, fills the form and saves it with Enter, then adds a slot on the
 * Inventory tab and saves it with Enter in a field (which must save, not press
 * the helper buttons earlier in the form). Runs with JavaScript on and off.
 */
import type { Locator, Page } from '@playwright/test';
import { expect, test } from '../support/test';
import { settle } from '../support/page';
import { PASSWORD, checkpoint, field, mainHeading, signIn, signUp, uniqueEmail, verifyEmailFromMail } from '../support/portal';

/**
 * Presses Tab (or Shift+Tab, going back) until `target` has the focus; fails if it is not reached in
 * `limit` presses.
 */
async function tabTo(page: Page, target: Locator, { back = false, limit = 80 } = {}): Promise<void> {
  for (let presses = 0; presses < limit; presses++) {
    if (await target.evaluate((element) => element === document.activeElement)) {
      return;
    }
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`not reached by keyboard in ${limit} presses: ${target}`);
}

test('an owner registers a device and adds a slot using only the keyboard', async ({ page }) => {
  test.setTimeout(180_000);
  const owner = uniqueEmail('keyboard-owner');
  await signUp(page, { email: owner, password: PASSWORD, org: 'Keyboard Devices' });
  await verifyEmailFromMail(page, owner);
  await signIn(page, owner, PASSWORD);
  await expect(mainHeading(page, 'Devices')).toBeVisible();
  await settle(page);

  // From the top of the page to the empty state's call to action.
  await page.locator('body').focus();
  await tabTo(page, page.getByRole('link', { name: 'Register a device', exact: true }).first());
  await page.keyboard.press('Enter');
  await expect(mainHeading(page, 'Register a device')).toBeVisible();
  await settle(page);

  // The kind is a radio group: arrow keys move the choice.
  await tabTo(page, page.getByRole('radio', { name: 'Alexa Skills Kit device', exact: true }));
  await page.keyboard.press('ArrowDown');
  await expect(page.getByRole('radio', { name: 'Alexa Connect Kit device', exact: true })).toBeChecked();
  await tabTo(page, field(page, 'Device name'));
  await page.keyboard.type('Keyboard Kettle');
  await tabTo(page, field(page, 'Model ID'));
  await page.keyboard.type('KB-KETTLE-1');
  await tabTo(page, field(page, 'Device type'));
  await page.keyboard.type('ack.kettle');
  await tabTo(page, field(page, 'Consumable category of the first slot'));
  await page.keyboard.press('ArrowDown');
  await expect(field(page, 'Consumable category of the first slot')).not.toHaveValue('');
  // Enter in a text field saves the form, whatever helper buttons come before "Save".
  await tabTo(page, field(page, 'Device name'), { back: true });
  await page.keyboard.press('Enter');
  await expect(mainHeading(page, 'Keyboard Kettle')).toBeVisible();
  await expect(page.getByText('KB-KETTLE-1', { exact: true }).first()).toBeVisible();
  await settle(page);

  // Inventory: add a slot with the keyboard and save with Enter in its field.
  await tabTo(page, page.getByRole('navigation', { name: 'Device sections' }).getByRole('link', { name: 'Inventory', exact: true }));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 2, name: 'Inventory', exact: true })).toBeVisible();
  await settle(page);
  await tabTo(page, page.getByRole('button', { name: '+ Add another slot', exact: true }));
  await page.keyboard.press('Enter');
  const added = page.getByRole('group', { name: 'Slot 02', exact: true });
  await expect(added).toBeVisible();
  await settle(page);
  await tabTo(page, added.getByLabel('Slot ID', { exact: true }));
  await page.keyboard.type('descaler-02');
  await tabTo(page, added.getByLabel('Consumable category', { exact: true }));
  await page.keyboard.press('ArrowDown');
  await tabTo(page, added.getByLabel('Slot ID', { exact: true }), { back: true });
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status').filter({ hasText: 'Inventory saved.' })).toBeVisible();
  await expect(page.getByRole('group', { name: /^Slot \d{2}$/ })).toHaveCount(2);
  await checkpoint(page);
});

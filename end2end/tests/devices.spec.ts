/**
 * The device journey: a fresh owner registers an Alexa Connect Kit device
 * (with JavaScript, a model ID with a space is flagged as soon as the field is
 * left; then a generated model ID), uploads its image (a dark background is
 * refused first), enables a second marketplace, names the device in both,
 * builds its inventory (adding slots, a refused save that stores nothing,
 * deleting a slot), names the slots, and finds the device in the list.
 *
 * Runs in both projects (js-on and js-off) with an owner unique to the run
 * and the project. Every page visited is checked with axe.
 */
import type { Locator, Page } from '@playwright/test';
import { expect, test } from '../support/test';
import { DARK_SLATE, TEAL, WHITE, squarePng, writePng } from '../support/images';
import { javaScriptEnabled, settle } from '../support/page';
import {
  PASSWORD,
  checkpoint,
  field,
  mainHeading,
  openSection,
  signIn,
  signUp,
  table,
  uniqueEmail,
  verifyEmailFromMail,
  visitChecked,
} from '../support/portal';

// ---------------------------------------------------------------------------
// What the journey types

interface Slot {
  id: string;
  /** The category as the select shows it. */
  category: string;
  /** The category's option value. */
  code: string;
}

/** The slot the registration creates from "Consumable category of the first slot". */
const FIRST_SLOT: Slot = { id: 'slot-01', category: 'Water filter', code: 'water_filter' };
/** Slots added on the Inventory tab, in order (they become Slot 02, 03, 04). */
const ADDED_SLOTS: Slot[] = [
  { id: 'filter-02', category: 'Air filter', code: 'air_filter' },
  { id: 'pods-03', category: 'Coffee pods', code: 'coffee_pods' },
  { id: 'brush-04', category: 'Vacuum brush roll', code: 'vacuum_brush_roll' },
];
/** The slot deleted at the end of the inventory step. */
const DELETED_SLOT = ADDED_SLOTS[1];
const REMAINING_SLOTS: Slot[] = [FIRST_SLOT, ADDED_SLOTS[0], ADDED_SLOTS[2]];

const MARKETPLACES = {
  US: { label: 'United States (US)', option: 'United States (amazon.com, US)' },
  DE: { label: 'Germany (DE)', option: 'Germany (amazon.de, DE)' },
} as const;
type MarketplaceCode = keyof typeof MARKETPLACES;

const FRIENDLY_NAMES: Record<MarketplaceCode, string> = { US: 'Aqua Pitcher', DE: 'Aqua Wasserkrug' };
const SLOT_NAMES: Record<string, Record<MarketplaceCode, string>> = {
  [FIRST_SLOT.id]: { US: 'Pitcher water filter', DE: 'Wasserfilter für den Krug' },
  [ADDED_SLOTS[0].id]: { US: 'Air filter', DE: 'Luftfilter' },
  [ADDED_SLOTS[2].id]: { US: 'Brush roll', DE: 'Bürstenwalze' },
};

const DEVICE_TYPE = 'ack.water_pitcher-v1';
const MODEL_ID_PATTERN = /^RPL-[A-Z0-9]{10}$/;

// ---------------------------------------------------------------------------
// Page vocabulary

function button(scope: Page | Locator, name: string): Locator {
  return scope.getByRole('button', { name, exact: true });
}

/** A success notice (role=status) containing `text`. */
function notice(page: Page, text: string | RegExp): Locator {
  return page.getByRole('status').filter({ hasText: text });
}

function deviceSections(page: Page): Locator {
  return page.getByRole('navigation', { name: 'Device sections', exact: true });
}

/** The fieldset of the slot shown at 1-based `position` ("Slot 02"). */
function slotGroup(page: Page, position: number): Locator {
  return page.getByRole('group', { name: `Slot ${String(position).padStart(2, '0')}`, exact: true });
}

/** Every slot fieldset that is not marked for deletion. */
function slotGroups(page: Page): Locator {
  return page.getByRole('group', { name: /^Slot \d{2}$/ });
}

function slotIdField(page: Page, position: number): Locator {
  return slotGroup(page, position).getByLabel('Slot ID', { exact: true });
}

function slotCategoryField(page: Page, position: number): Locator {
  return slotGroup(page, position).getByLabel('Consumable category', { exact: true });
}

function withoutQuery(url: string): string {
  const parsed = new URL(url);
  parsed.search = '';
  parsed.hash = '';
  return parsed.href;
}

// ---------------------------------------------------------------------------
// Steps shared by the journey

/** Follows a tab of the device page and expects its h2. */
async function openTab(
  page: Page,
  tab: 'Overview' | 'Localization' | 'Inventory' | 'Slot localization',
  heading: string,
): Promise<void> {
  const link = deviceSections(page).getByRole('link', { name: tab, exact: true });
  await link.click();
  await expect(page.getByRole('heading', { level: 2, name: heading, exact: true })).toBeVisible();
  await expect(link).toHaveAttribute('aria-current', 'page');
  await checkpoint(page);
}

async function fillSlot(page: Page, position: number, slot: Slot): Promise<void> {
  await slotIdField(page, position).fill(slot.id);
  await slotCategoryField(page, position).selectOption({ label: slot.category });
}

async function expectSlot(page: Page, position: number, slot: Slot): Promise<void> {
  await expect(slotIdField(page, position)).toHaveValue(slot.id);
  await expect(slotCategoryField(page, position)).toHaveValue(slot.code);
}

async function expectSlots(page: Page, slots: Slot[]): Promise<void> {
  await expect(slotGroups(page)).toHaveCount(slots.length);
  for (const [index, slot] of slots.entries()) {
    await expectSlot(page, index + 1, slot);
  }
}

/**
 * Adds a row with "+ Add another slot" and fills it: the page comes back with
 * what was typed so far and a new row (with JavaScript, swapped in without a
 * reload).
 */
async function addSlot(page: Page, position: number, slot: Slot): Promise<void> {
  await button(page, '+ Add another slot').click();
  await expect(slotGroup(page, position)).toBeVisible();
  await settle(page);
  await expect(slotIdField(page, position)).toHaveValue('');
  await fillSlot(page, position, slot);
}

/** The image's source answers 200 with an image (the thumbnail route is not a broken link). */
async function expectImageServed(page: Page, image: Locator): Promise<void> {
  const src = await image.getAttribute('src');
  expect(src, 'the image has a src').toBeTruthy();
  const response = await page.request.get(new URL(src ?? '', page.url()).href);
  expect(response.status(), `GET ${src}`).toBe(200);
  expect(response.headers()['content-type'] ?? '').toMatch(/^image\//);
}

// ---------------------------------------------------------------------------

test('owner registers a Connect Kit device, gives it an image, names and slots, and finds it in the list', async ({
  page,
}, testInfo) => {
  // One long journey: each step depends on the previous one.
  test.setTimeout(360_000);

  const owner = uniqueEmail('devices-owner');
  const deviceName = `Aqua Pitcher ${testInfo.project.name}`;
  let orgUrl = '';
  let deviceUrl = '';
  let modelId = '';

  await test.step('1. a fresh owner signs up, verifies and signs in', async () => {
    await signUp(page, { email: owner, password: PASSWORD, org: 'Aqua Devices' });
    await verifyEmailFromMail(page, owner);
    await signIn(page, owner, PASSWORD);
    await expect(mainHeading(page, 'Devices')).toBeVisible();
    await expect(page).toHaveURL(/\/orgs\/[^/?#]+(?:[?#].*)?$/);
    orgUrl = withoutQuery(page.url());
  });

  await test.step('2. the device list is empty and offers to register a device', async () => {
    await expect(page.getByRole('heading', { name: 'No devices yet', exact: true })).toBeVisible();
    await expect(page.getByRole('table')).toHaveCount(0);
    await page.getByRole('link', { name: 'Register a device', exact: true }).first().click();
    await expect(mainHeading(page, 'Register a device')).toBeVisible();
    await checkpoint(page);
  });

  await test.step('3. owner registers an Alexa Connect Kit device with a generated model ID', async () => {
    const kinds = page.getByRole('group', { name: 'Choose what kind of device you want', exact: true });
    const skillsKit = kinds.getByRole('radio', { name: 'Alexa Skills Kit device', exact: true });
    const connectKit = kinds.getByRole('radio', { name: 'Alexa Connect Kit device', exact: true });
    const deviceType = field(page, 'Device type');
    const marketplace = field(page, 'Primary marketplace');
    const category = field(page, 'Consumable category of the first slot');
    const modelIdField = field(page, 'Model ID');

    // The device type belongs to Connect Kit devices only.
    await expect(skillsKit).toBeChecked();
    await expect(deviceType).toBeHidden();
    await connectKit.check();
    await expect(deviceType).toBeVisible();

    await field(page, 'Device name').fill(deviceName);
    await deviceType.fill(DEVICE_TYPE);
    await marketplace.selectOption({ label: MARKETPLACES.US.option });
    await category.selectOption({ label: FIRST_SLOT.category });

    if (javaScriptEnabled()) {
      // With JavaScript a field asks the server's rule as soon as it is left, and says what a save would.
      await modelIdField.fill('pitcher 01');
      await modelIdField.press('Tab');
      const refusal = /A model ID may contain only letters A–Z, digits, plus, underscore and dash; it contains a space\./;
      await expect(modelIdField).toHaveAttribute('aria-invalid', 'true');
      await expect(modelIdField).toHaveAccessibleDescription(refusal);
      const shown = page.locator('.field-error', { hasText: refusal });
      await expect(shown).toBeVisible();
      // Focus has moved on, so the refusal is announced too.
      await expect(page.locator('[aria-live="polite"]', { hasText: refusal })).toHaveCount(1);
      await checkpoint(page);
      await modelIdField.fill('pitcher-01');
      await modelIdField.press('Tab');
      await expect(shown).toHaveCount(0);
      await expect(page.getByText(refusal)).toHaveCount(0);
      await expect(modelIdField).not.toHaveAttribute('aria-invalid', 'true');
      await expect(modelIdField).not.toHaveAccessibleDescription(refusal);
    }

    // The page comes back with the ID and what was typed so far.
    await button(page, 'Generate new ID').click();
    await expect(modelIdField).toHaveValue(MODEL_ID_PATTERN);
    await expect(page).toHaveURL(/[?&]generate=1(?:&|$)/);
    await settle(page);
    await expect(connectKit).toBeChecked();
    await expect(field(page, 'Device name')).toHaveValue(deviceName);
    await expect(deviceType).toBeVisible();
    await expect(deviceType).toHaveValue(DEVICE_TYPE);
    await expect(marketplace).toHaveValue('US');
    await expect(category).toHaveValue(FIRST_SLOT.code);
    modelId = await modelIdField.inputValue();
    await checkpoint(page);

    await button(page, 'Save').click();
    await expect(mainHeading(page, deviceName)).toBeVisible();
    await expect(notice(page, /^Device registered/)).toBeVisible();
    await expect(page.getByText(modelId, { exact: true }).first()).toBeVisible();
    await expect(page.getByText('Alexa Connect Kit device', { exact: true })).toBeVisible();
    const tabs = deviceSections(page);
    for (const tab of ['Overview', 'Localization', 'Inventory', 'Slot localization']) {
      await expect(tabs.getByRole('link', { name: tab, exact: true })).toBeVisible();
    }
    deviceUrl = withoutQuery(page.url());
    await checkpoint(page);
  });

  await test.step('4. a dark background is refused, a white one is saved as the device image', async () => {
    const darkPng = writePng(testInfo.outputPath('dark-background.png'), squarePng({ background: DARK_SLATE, square: TEAL }));
    const whitePng = writePng(testInfo.outputPath('white-background.png'), squarePng({ background: WHITE, square: TEAL }));
    const section = page.getByRole('region', { name: 'Device image', exact: true });
    const refusal = section.getByText(/The background must be white or transparent/);

    await expect(section.getByText('No image yet.', { exact: true })).toBeVisible();
    await field(page, 'Upload an image').setInputFiles(darkPng);
    await button(section, 'Upload image').click();
    await expect(refusal).toBeVisible();
    await expect(page).toHaveURL(/[?&]image_error=background/);
    await settle(page);
    const input = field(page, 'Upload an image');
    await expect(input).toHaveAttribute('aria-invalid', 'true');
    await expect(input).toHaveAccessibleDescription(/The background must be white or transparent/);
    await checkpoint(page);

    await input.setInputFiles(whitePng);
    await button(section, 'Upload image').click();
    await expect(notice(page, 'Image saved.')).toBeVisible();
    await settle(page);
    const current = section.getByRole('img', { name: `Current image of ${deviceName}`, exact: true });
    await expect(current).toBeVisible();
    await expect(section).toContainText('200 × 200 pixels');
    await expect(refusal).toHaveCount(0);
    await expect(field(page, 'Replace the image')).toBeVisible();
    await expectImageServed(page, current);
    await checkpoint(page);
  });

  await test.step('5. owner enables the German marketplace', async () => {
    const marketplaces = table(page, 'Marketplaces enabled on this device');
    await expect(marketplaces.getByRole('rowheader', { name: /^United States \(US\)/ })).toBeVisible();
    await expect(marketplaces.getByRole('rowheader', { name: MARKETPLACES.DE.label, exact: true })).toHaveCount(0);

    await field(page, 'Enable another marketplace').selectOption({ label: MARKETPLACES.DE.option });
    await button(page, 'Enable marketplace').click();
    await expect(marketplaces.getByRole('rowheader', { name: MARKETPLACES.DE.label, exact: true })).toBeVisible();
    await expect(notice(page, 'Marketplace enabled.')).toBeVisible();
    await checkpoint(page);
  });

  await test.step('6. owner names the device in both marketplaces, copying US to DE first', async () => {
    await openTab(page, 'Localization', 'Device localization');
    const usName = field(page, `Friendly name in ${MARKETPLACES.US.label}`);
    const deName = field(page, `Friendly name in ${MARKETPLACES.DE.label}`);
    await usName.fill(FRIENDLY_NAMES.US);

    const copy = page.getByRole('group', { name: 'Copy from another marketplace', exact: true });
    await copy.getByLabel('From', { exact: true }).selectOption({ label: MARKETPLACES.US.label });
    await copy.getByLabel('to', { exact: true }).selectOption({ label: MARKETPLACES.DE.label });
    // The page comes back with the names copied.
    await button(copy, 'Copy names').click();
    await expect(notice(page, 'Copied the names from US to DE')).toBeVisible();
    await settle(page);
    await expect(deName).toHaveValue(FRIENDLY_NAMES.US);
    await expect(usName).toHaveValue(FRIENDLY_NAMES.US);
    await checkpoint(page);

    await deName.fill(FRIENDLY_NAMES.DE);
    await button(page, 'Update').click();
    await expect(notice(page, 'Friendly names updated.')).toBeVisible();
    await checkpoint(page);

    await visitChecked(page, `${deviceUrl}/localization`);
    await expect(usName).toHaveValue(FRIENDLY_NAMES.US);
    await expect(deName).toHaveValue(FRIENDLY_NAMES.DE);
  });

  await test.step('7a. owner adds three slots and saves the inventory', async () => {
    await openTab(page, 'Inventory', 'Inventory');
    await expectSlots(page, [FIRST_SLOT]);

    const planned = [FIRST_SLOT, ...ADDED_SLOTS];
    for (let position = 2; position <= planned.length; position++) {
      await addSlot(page, position, planned[position - 1]);
      // What was typed in the earlier rows is still there (without JavaScript: after the reload).
      for (let earlier = 1; earlier < position; earlier++) {
        await expectSlot(page, earlier, planned[earlier - 1]);
      }
    }
    await checkpoint(page);

    await button(page, 'Save inventory').click();
    await expect(notice(page, 'Inventory saved.')).toBeVisible();
    await settle(page);
    await expectSlots(page, planned);
    await checkpoint(page);
  });

  await test.step('7b. a bad slot ID refuses the whole save and stores nothing', async () => {
    const badId = slotIdField(page, 2);
    await badId.fill('bad id!');
    // A valid change in another row, which must not be stored either.
    await slotIdField(page, 3).fill(`${ADDED_SLOTS[1].id}-renamed`);
    await button(page, 'Save inventory').click();

    await expect(page.getByRole('alert').filter({ hasText: /nothing was saved/ })).toBeVisible();
    await expect(slotGroup(page, 2).getByText(/may contain only/)).toBeVisible();
    await settle(page);
    await expect(badId).toHaveAttribute('aria-invalid', 'true');
    await expect(badId).toHaveAccessibleDescription(/may contain only/);
    // What was typed is shown again.
    await expect(badId).toHaveValue('bad id!');
    await expect(slotIdField(page, 3)).toHaveValue(`${ADDED_SLOTS[1].id}-renamed`);
    await checkpoint(page);

    // Reloaded, the inventory is the one saved before.
    await visitChecked(page, `${deviceUrl}/inventory`);
    await expectSlots(page, [FIRST_SLOT, ...ADDED_SLOTS]);
    await expect(page.getByText(/may contain only/)).toHaveCount(0);
  });

  await test.step('7c. owner deletes a slot, confirming first', async () => {
    const doomed = slotGroup(page, 3);
    await expect(slotIdField(page, 3)).toHaveValue(DELETED_SLOT.id);
    await button(doomed, 'Delete').click();
    const confirm = doomed.getByRole('group', { name: 'Confirm deletion', exact: true });
    await expect(confirm).toBeVisible();
    await expect(confirm).toContainText(`Delete slot “${DELETED_SLOT.id}”?`);
    await settle(page);
    await checkpoint(page);

    await button(confirm, 'Delete slot').click();
    const deleted = page.getByRole('group', { name: 'Deleted slot', exact: true });
    await expect(deleted).toContainText(`Slot “${DELETED_SLOT.id}” will be deleted when you save the inventory.`);
    await expect(button(deleted, 'Undo')).toBeVisible();
    await settle(page);
    // The rows after it are renumbered at once.
    await expect(slotGroups(page)).toHaveCount(REMAINING_SLOTS.length);
    await checkpoint(page);

    await button(page, 'Save inventory').click();
    await expect(notice(page, 'Inventory saved.')).toBeVisible();
    await settle(page);
    await expect(deleted).toHaveCount(0);
    await expectSlots(page, REMAINING_SLOTS);
    await checkpoint(page);
  });

  await test.step('8. owner names every slot in both marketplaces', async () => {
    await openTab(page, 'Slot localization', 'Slot localization');
    const codes = Object.keys(MARKETPLACES) as MarketplaceCode[];
    const slotName = (slot: Slot, code: MarketplaceCode) =>
      field(page, `Name of slot ${slot.id} in ${MARKETPLACES[code].label}`);

    for (const slot of REMAINING_SLOTS) {
      for (const code of codes) {
        await slotName(slot, code).fill(SLOT_NAMES[slot.id][code]);
      }
    }
    await button(page, 'Update').click();
    await expect(notice(page, 'Slot names updated.')).toBeVisible();
    await checkpoint(page);

    await visitChecked(page, `${deviceUrl}/slot-localization`);
    for (const slot of REMAINING_SLOTS) {
      for (const code of codes) {
        await expect(slotName(slot, code)).toHaveValue(SLOT_NAMES[slot.id][code]);
      }
    }
  });

  await test.step('9. the device list shows the device, and search finds it by model ID', async () => {
    await openSection(page, 'Devices');
    expect(withoutQuery(page.url())).toBe(orgUrl);

    const expectListed = async () => {
      const row = table(page, '1 device(s)').getByRole('row').filter({ hasText: deviceName });
      await expect(row).toHaveCount(1);
      await expect(row.getByRole('link', { name: deviceName, exact: true })).toBeVisible();
      const thumbnail = row.getByRole('img', { name: `${deviceName} image`, exact: true });
      await expect(thumbnail).toBeVisible();
      await expect(row.getByRole('cell', { name: modelId, exact: true })).toBeVisible();
      await expect(row.getByRole('cell', { name: 'Alexa Connect Kit device', exact: true })).toBeVisible();
      const marketplaces = row.getByRole('listitem');
      await expect(marketplaces).toHaveCount(2);
      await expect(marketplaces.filter({ hasText: /^US\b/ })).toHaveCount(1);
      await expect(marketplaces.filter({ hasText: /^DE\b/ })).toHaveCount(1);
      await expect(row.getByRole('cell', { name: String(REMAINING_SLOTS.length), exact: true })).toBeVisible();
      return thumbnail;
    };

    const thumbnail = await expectListed();
    await expectImageServed(page, thumbnail);

    const searchForm = page.getByRole('search');
    const search = field(page, 'Search by name or model ID');
    // Part of the model ID, in lower case: the search ignores case.
    const fragment = modelId.slice(4, 10).toLowerCase();
    await search.fill(fragment);
    await button(searchForm, 'Search').click();
    await expect(page).toHaveURL(new RegExp(`[?&]q=${fragment}(?:&|$)`));
    await expect(search).toHaveValue(fragment);
    await expectListed();
    await checkpoint(page);

    await search.fill('zzz');
    await button(searchForm, 'Search').click();
    await expect(page.getByRole('status').filter({ hasText: 'No device matches' })).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: 'No device matches' })).toContainText('zzz');
    await expect(page.getByRole('table')).toHaveCount(0);
    await checkpoint(page);
  });
});

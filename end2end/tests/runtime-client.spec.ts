/**
 * The runtime API as a device maker's cloud uses it. A maker with an approved
 * device creates a security profile in the portal; the cloud sends a customer
 * to the consent page, where the customer creates an account, verifies the
 * address from the mailed link, picks a product
 * and allows; the browser lands on the cloud's return URL with the code; the
 * cloud exchanges it, refreshes the token and drives every service call with
 * the original header values, ending with deregistration.
 *
 * The consent runs in a real browser with JavaScript on and off; every portal
 * page visited is checked with axe.
 */
import { createHmac } from 'node:crypto';
import type { BrowserContext, Page, Request } from '@playwright/test';
import { expect, test } from '../support/test';
import { javaScriptEnabled, settle } from '../support/page';
import { extractLink, waitForMail } from '../support/mail';
import { PORTAL_URL } from '../support/paths';
import { type Hook, approveAsReviewer, button, requestReplenishmentId, startCloud } from '../support/maker';
import {
  PASSWORD,
  checkpoint,
  field,
  mainHeading,
  signIn,
  signUp,
  uniqueEmail,
  verifyEmailFromMail,
  visitChecked,
} from '../support/portal';

const PREFIX = 'com.amazon.dash.replenishment.';

/** Checks a delivery's Standard Webhooks signature with Node's own HMAC. */
function verifyHook(secret: string, hook: Hook): any {
  const id = String(hook.headers['webhook-id']);
  const timestamp = String(hook.headers['webhook-timestamp']);
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${hook.body}`).digest('base64')}`;
  expect(String(hook.headers['webhook-signature']).split(' ')).toContain(expected);
  return JSON.parse(hook.body);
}

async function waitForHooks(hooks: Hook[], count: number): Promise<void> {
  await expect.poll(() => hooks.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(count);
}

/** A DRS call with the headers public clients send. */
async function drs(
  method: string,
  path: string,
  token: string,
  input: string,
  accept: string,
  body?: { type: string; text: string },
): Promise<{ status: number; typeVersion: string | null; json: any }> {
  const headers: Record<string, string> = {
    Authorization: `Bearer ${token}`,
    'x-amzn-type-version': `${PREFIX}${input}`,
    'x-amzn-accept-type': `${PREFIX}${accept}`,
  };
  if (body) headers['Content-Type'] = body.type;
  const response = await fetch(`${PORTAL_URL}${path}`, { method, headers, body: body?.text });
  return { status: response.status, typeVersion: response.headers.get('x-amzn-type-version'), json: await response.json() };
}

async function token(form: Record<string, string>, basic?: string): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
  if (basic) headers.Authorization = `Basic ${basic}`;
  const response = await fetch(`${PORTAL_URL}/auth/o2/token`, { method: 'POST', headers, body: new URLSearchParams(form).toString() });
  return { status: response.status, json: await response.json() };
}

test('a maker’s cloud links a device through the consent page and drives every service call', async ({ page, browser }, testInfo) => {
  test.setTimeout(300_000);
  const maker = uniqueEmail('client-maker');
  const customer = uniqueEmail('client-customer');
  const stamp = `${testInfo.project.name}-${Date.now()}`;
  const deviceName = `Pod Brewer ${stamp}`;
  const modelId = `PB-${stamp}`;
  const cloud = await startCloud();
  let clientId = '';
  let clientSecret = '';
  let signingSecret = '';

  let devicePath = '';
  await test.step('1. a maker registers a device, and its replenishment ID is approved', async () => {
    await signUp(page, { email: maker, password: PASSWORD, org: 'Brew Co' });
    await verifyEmailFromMail(page, maker);
    await signIn(page, maker, PASSWORD);
    await page.getByRole('link', { name: 'Register a device', exact: true }).first().click();
    await expect(mainHeading(page, 'Register a device')).toBeVisible();
    await settle(page);
    await field(page, 'Device name').fill(deviceName);
    await field(page, 'Model ID').fill(modelId);
    await field(page, 'Consumable category of the first slot').selectOption({ label: 'Coffee pods' });
    await button(page, 'Save').click();
    await expect(mainHeading(page, deviceName)).toBeVisible();
    await settle(page);
    await page.getByRole('navigation', { name: 'Device sections' }).getByRole('link', { name: 'Replenishment IDs' }).click();
    await requestReplenishmentId(page, {
      customerId: 'A2BREWCO',
      testAccount: customer,
      unitSize: '30',
      consumable: 'Brew Co pods, 30-pack',
      asins: 'B0BREWPOD1, B0BREWPOD2',
    });
    devicePath = new URL(page.url()).pathname.replace(/\/replenishment$/, '');
    await approveAsReviewer(browser, deviceName);
  });

  await test.step('2. the maker creates a security profile and copies its secret, shown once', async () => {
    await page.getByRole('navigation', { name: 'Main', exact: true }).getByRole('link', { name: 'Settings' }).click();
    await expect(mainHeading(page, 'Settings')).toBeVisible();
    await settle(page);
    await page.getByRole('link', { name: 'Security profiles', exact: true }).click();
    await expect(mainHeading(page, 'Security profiles')).toBeVisible();
    await settle(page);
    await checkpoint(page);
    // A plain-http return URL off loopback is refused next to the field.
    await field(page, 'Name').fill('Brew Cloud');
    await field(page, 'Return URLs').fill('http://cloud.example/callback');
    if (javaScriptEnabled()) {
      // Leaving the field asks the server's rule and submits nothing.
      const posts: string[] = [];
      const recordPost = (request: Request) => {
        if (request.method() === 'POST') posts.push(new URL(request.url()).pathname);
      };
      page.on('request', recordPost);
      await field(page, 'Return URLs').press('Tab');
      await expect(field(page, 'Return URLs')).toHaveAccessibleDescription(
        /Plain http is allowed only for localhost; use https\./,
      );
      page.off('request', recordPost);
      expect(posts).toContain('/checks/return_urls');
      expect(posts.filter((path) => !path.startsWith('/checks/'))).toEqual([]);
      await checkpoint(page);
    }
    await button(page, 'Create profile').click();
    // Only the submit's answer carries the form's message.
    const refused = page.getByRole('alert').filter({ hasText: 'Please correct the fields marked below.' });
    await expect(refused).toBeVisible();
    await expect(field(page, 'Return URLs')).toHaveAttribute('aria-invalid', 'true');
    await settle(page);
    await field(page, 'Return URLs').fill(cloud.url);
    await button(page, 'Create profile').click();
    await expect(page.getByRole('heading', { name: 'Copy the client secret now' })).toBeVisible();
    await settle(page);
    await checkpoint(page);
    const notice = page.getByRole('region', { name: 'Copy the client secret now' });
    clientId = (await notice.locator('code').first().textContent()) ?? '';
    clientSecret = (await page.getByTestId('client-secret').textContent()) ?? '';
    expect(clientId).toMatch(/^amzn1\.application-oa2-client\./);
    expect(clientSecret.length).toBeGreaterThan(30);
    await page.reload();
    await expect(mainHeading(page, 'Security profiles')).toBeVisible();
    await expect(page.getByTestId('client-secret')).toHaveCount(0);
  });

  await test.step('2b. the maker adds a notification endpoint for every event type', async () => {
    await page.getByRole('link', { name: 'Settings', exact: true }).first().click();
    await expect(mainHeading(page, 'Settings')).toBeVisible();
    await settle(page);
    await page.getByRole('link', { name: 'Notifications', exact: true }).click();
    await expect(mainHeading(page, 'Notifications')).toBeVisible();
    await settle(page);
    await checkpoint(page);
    await field(page, 'Endpoint URL').fill(cloud.hookUrl);
    await button(page, 'Add endpoint').click();
    await expect(page.getByRole('heading', { name: 'Copy the signing secret now' })).toBeVisible();
    await settle(page);
    await checkpoint(page);
    signingSecret = (await page.getByTestId('signing-secret').textContent()) ?? '';
    expect(signingSecret).toMatch(/^whsec_/);
  });

  let code = '';
  let customerContext: BrowserContext | undefined;
  let customerTab: Page | undefined;
  await test.step('3. a customer creates an account on the consent page, verifies the address, picks a product and allows', async () => {
    const context = await browser.newContext({ javaScriptEnabled: javaScriptEnabled() });
    const customerPage = await context.newPage();
    const scopeData = JSON.stringify({
      'dash:replenish': { device_model: modelId, serial: 'SN-0001', is_test_device: false, should_include_non_live: true },
    });
    const query = new URLSearchParams({
      client_id: clientId,
      scope: 'dash:replenish',
      response_type: 'code',
      redirect_uri: cloud.url,
      state: 'opaque-42',
      scope_data: scopeData,
    });
    await visitChecked(customerPage, `/ap/oa?${query}`);
    await expect(mainHeading(customerPage, /^Link /)).toBeVisible();
    const signUpForm = customerPage.getByRole('region', { name: 'New here? Create an account' });
    await signUpForm.getByLabel('Email', { exact: true }).fill(customer);
    await signUpForm.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await signUpForm.getByLabel('Your marketplace', { exact: true }).selectOption('US');
    await button(signUpForm, 'Create account').click();
    await expect(mainHeading(customerPage, 'Check your email')).toBeVisible();
    await checkpoint(customerPage);
    const verification = await waitForMail(customer, 'Verify your email');
    await visitChecked(customerPage, extractLink(verification.text, '/my/verify'));
    await button(customerPage, 'Verify email').click();
    await expect(customerPage.getByText(`Signed in as ${customer}`)).toBeVisible();
    await settle(customerPage);
    await checkpoint(customerPage);
    await expect(customerPage.getByText('Test device')).toBeVisible();
    await customerPage.getByRole('radio', { name: 'Reorder product B0BREWPOD2 automatically' }).check();
    await button(customerPage, 'Allow and link device').click();
    await customerPage.waitForURL((url) => url.href.startsWith(cloud.url));
    const landed = new URL(customerPage.url());
    expect(landed.searchParams.get('state')).toBe('opaque-42');
    code = landed.searchParams.get('code') ?? '';
    expect(code).not.toBe('');
    await waitForHooks(cloud.hooks, 1);
    const registered = verifyHook(signingSecret, cloud.hooks[0]);
    expect(registered.notificationInfo.notificationType).toBe('DeviceRegisteredNotification');
    expect(registered.deviceInfo.productIdentifier.modelId).toBe(modelId);

    // The customer's own page lists the device, the order placed below is cancelled there (step 5).
    await visitChecked(customerPage, '/my');
    await expect(mainHeading(customerPage, 'Your devices and orders')).toBeVisible();
    await expect(customerPage.getByText('serial SN-0001')).toBeVisible();
    customerContext = context;
    customerTab = customerPage;
  });

  await test.step('4. the cloud exchanges the code (HTTP Basic), refreshes, and drives every call', async () => {
    const basic = Buffer.from(`${clientId}:${clientSecret}`).toString('base64');
    const exchanged = await token({ grant_type: 'authorization_code', code, redirect_uri: cloud.url }, basic);
    expect(exchanged.status).toBe(200);
    expect(exchanged.json.token_type).toBe('bearer');
    const replay = await token({ grant_type: 'authorization_code', code, redirect_uri: cloud.url }, basic);
    expect(replay.json.error).toBe('invalid_grant');
    const refreshed = await token({
      grant_type: 'refresh_token',
      refresh_token: exchanged.json.refresh_token,
      client_id: clientId,
      client_secret: clientSecret,
    });
    expect(refreshed.status).toBe(200);
    const access: string = refreshed.json.access_token;

    const status = await drs('POST', '/slotStatus/slot-01', access, 'DrsSlotStatusInput@1.0', 'DrsSlotStatusResult@1.0', {
      type: 'application/json',
      text: JSON.stringify({
        expectedReplenishmentDate: '2026-12-24T00:00:00Z',
        remainingQuantityInUnit: 4,
        originalQuantityInUnit: 30,
        totalQuantityOnHand: 4,
        lastUseDate: '2026-11-23T08:00:00Z',
      }),
    });
    expect([status.status, status.json]).toEqual([200, {}]);
    expect(status.typeVersion).toBe(`${PREFIX}DrsSlotStatusResult@1.0`);
    const device = await drs('POST', '/deviceStatus', access, 'DrsDeviceStatusInput@1.0', 'DrsDeviceStatusResult@1.0', {
      type: 'application/x-www-form-urlencoded',
      text: 'mostRecentlyActiveDate=2026-11-23T09%3A00%3A00Z',
    });
    expect(device.status).toBe(200);
    const subscription = await drs('GET', '/subscriptionInfo', access, 'DrsSubscriptionInfoInput@1.0', 'DrsSubscriptionInfoResult@2.0');
    expect(subscription.json.slotsSubscriptionStatus['slot-01']).toEqual({
      subscribed: true,
      productInfoList: [{ asin: 'B0BREWPOD2', quantity: 30, unit: 'count' }],
    });
    const placed = await drs('POST', '/replenish/slot-01', access, 'DrsReplenishInput@1.0', 'DrsReplenishResult@1.0');
    expect(placed.json.detailCode).toBe('TEST_ORDER_PLACED');
    const repeated = await drs('POST', '/replenish/slot-01', access, 'DrsReplenishInput@1.0', 'DrsReplenishResult@1.0');
    expect(repeated.json).toEqual({ eventInstanceId: placed.json.eventInstanceId, detailCode: 'ORDER_INPROGRESS' });
    const info = await drs('GET', `/getOrderInfo/${placed.json.eventInstanceId}`, access, 'DrsOrderInfoInput@1.0', 'DrsOrderInfoResult@1.0');
    expect(info.json.orderInfoData.orderItems[0]).toMatchObject({ asin: 'B0BREWPOD2', slotId: 'slot-01', status: 'Pending' });
    await waitForHooks(cloud.hooks, 2);
    expect(verifyHook(signingSecret, cloud.hooks[1]).orderInfo.instanceId).toBe(placed.json.eventInstanceId);

    // The customer cancels the order on their page during its hold.
    const tab = customerTab as Page;
    await visitChecked(tab, '/my');
    await button(tab, 'Cancel order for B0BREWPOD2').click();
    await expect(tab.getByRole('status').filter({ hasText: 'Order cancelled.' })).toBeVisible();
    await settle(tab);
    await checkpoint(tab);
    await customerContext?.close();
    const afterCancel = await drs('GET', `/getOrderInfo/${placed.json.eventInstanceId}`, access, 'DrsOrderInfoInput@1.0', 'DrsOrderInfoResult@1.0');
    expect(afterCancel.json.orderInfoData.orderItems[0].status).toBe('Cancelled');
    const again = await drs('POST', '/replenish/slot-01', access, 'DrsReplenishInput@1.0', 'DrsReplenishResult@1.0');
    expect(again.json.detailCode).toBe('TEST_ORDER_PLACED');
    const cancelled = await drs('DELETE', '/testOrders/slots/slot-01', access, 'DrsCancelTestOrdersInput@1.0', 'DrsCancelTestOrdersResult@1.0');
    expect(cancelled.json).toEqual({ slotOrderStatuses: [{ slotId: 'slot-01', orderStatus: 'NO_ORDER_IN_PROGRESS' }] });
    const deregistered = await drs('DELETE', '/registration', access, 'DrsDeregisterInput@2.0', 'DrsDeregisterResult@1.0');
    expect([deregistered.status, deregistered.json]).toEqual([200, {}]);
    const after = await drs('GET', '/subscriptionInfo', access, 'DrsSubscriptionInfoInput@1.0', 'DrsSubscriptionInfoResult@1.0');
    expect([after.status, after.json]).toEqual([400, { message: 'Invalid token' }]);
    cloud.close();
  });

  await test.step('5. the API docs describe every call', async () => {
    await visitChecked(page, '/docs');
    await expect(mainHeading(page, 'Runtime API')).toBeVisible();
    await expect(page.getByRole('heading', { name: 'POST /replenish/{slotId}' })).toBeVisible();
    const openapi = await (await fetch(`${PORTAL_URL}/api/openapi.json`)).json();
    expect(openapi.paths['/slotStatus/{slotId}'].post.operationId).toBe('slotStatus');
  });

  await test.step('6. the maker reads the calls in the sandbox log and their evidence on the certification tab', async () => {
    await visitChecked(page, `${devicePath}/sandbox`);
    await expect(page.getByRole('heading', { name: 'API requests' })).toBeVisible();
    const log = page.getByRole('table', { name: /request\(s\), newest first/ });
    await expect(log.getByText('POST /replenish/{slot_id}').first()).toBeVisible();
    await expect(log.getByText('DELETE /registration').first()).toBeVisible();
    await page.getByLabel('Call', { exact: true }).selectOption('POST /replenish/{slot_id}');
    await button(page, 'Filter').click();
    await expect(page).toHaveURL(/call=POST/);
    await expect(log.getByText('DELETE /registration')).toHaveCount(0);
    await settle(page);
    await checkpoint(page);
    const deliveries = page.getByRole('table', { name: /delivery\(ies\), newest first/ });
    await expect(deliveries.getByText('OrderPlacedNotification').first()).toBeVisible();

    // An owner adds a test account, and moves the sandbox's clock.
    await field(page, 'Customer email').fill(uniqueEmail('qa'));
    await button(page, 'Add test account').click();
    await expect(page.getByRole('status').filter({ hasText: 'Test account added.' })).toBeVisible();
    await settle(page);
    await button(page, 'Advance 3 days').click();
    await expect(page.getByText(/^3 days ahead/)).toBeVisible();
    await settle(page);
    await checkpoint(page);
    await page.getByRole('navigation', { name: 'Device sections' }).getByRole('link', { name: 'Certification' }).click();
    await expect(page.getByRole('heading', { level: 2, name: /\(US\)$/ })).toBeVisible();
    for (const passed of ['ids', 'token', 'slot_status', 'test_order', 'in_progress', 'cancelled', 'deregistered']) {
      await expect(page.locator(`[data-case="${passed}"] .case-state`)).toHaveText('Passed');
    }
    await expect(page.locator('[data-case="image"] .case-state')).toHaveText('Not yet');
    await expect(button(page, 'Certify Marketplace US')).toBeDisabled();
    await checkpoint(page);
  });
});

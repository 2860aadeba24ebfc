/**
 * Page vocabulary of the Replenish portal shared by the specs: landmarks,
 * header menus, and the sign-up / verification / sign-in / sign-out flows.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { expectAccessible } from './a11y';
import { extractLink, waitForMail } from './mail';
import { settle, visit } from './page';
import { DB_FILE, E2E_DIR } from './paths';

export const PASSWORD = 'correct horse battery staple 42';

/** A unique address for this run and project, e.g. owner-js-on-1700000000000@example.test. */
export function uniqueEmail(role: string, stamp: number = Date.now()): string {
  return `${role}-${test.info().project.name}-${stamp}@example.test`;
}

/** The page's h1 with exactly this text. */
export function mainHeading(page: Page, name: string | RegExp): Locator {
  return page.getByRole('heading', { level: 1, name, exact: true });
}

/** A labelled form field, matched on its exact label. */
export function field(page: Page, label: string): Locator {
  return page.getByLabel(label, { exact: true });
}

export function banner(page: Page): Locator {
  return page.getByRole('banner');
}

/** The trigger of a header menu (a <details> summary, or a button) showing `text`. */
export function headerMenu(page: Page, text: string | RegExp): Locator {
  return banner(page).locator('summary, button').filter({ hasText: text });
}

/** The main navigation: a nav named "Main". */
export function mainNav(page: Page): Locator {
  return page.getByRole('navigation', { name: 'Main', exact: true });
}

/** A table named by its caption. */
export function table(page: Page, caption: string): Locator {
  return page.getByRole('table', { name: caption, exact: true });
}

/** Waits for the page to settle and checks it with axe. */
export async function checkpoint(page: Page): Promise<void> {
  await settle(page);
  await expectAccessible(page);
}

/** Visits a page, waits for it to settle and checks it with axe. */
export async function visitChecked(page: Page, url: string): Promise<void> {
  await visit(page, url);
  await expectAccessible(page);
}

export async function expectCurrentOrg(page: Page, orgName: string): Promise<void> {
  await expect(headerMenu(page, orgName)).toBeVisible();
}

/** Fills and submits the sign-up form on the current page (already at /signup). */
export async function submitSignUp(page: Page, account: { email?: string; password: string; org: string }): Promise<void> {
  if (account.email !== undefined) {
    await field(page, 'Email').fill(account.email);
  }
  await field(page, 'Password').fill(account.password);
  await field(page, 'Organization name').fill(account.org);
  await page.getByRole('button', { name: 'Create account', exact: true }).click();
}

/** Signs up from /signup and expects the "Check your email" page. */
export async function signUp(page: Page, account: { email: string; password: string; org: string }): Promise<void> {
  await visitChecked(page, '/signup');
  await submitSignUp(page, account);
  await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();
  await checkpoint(page);
}

/** Follows the link in the verification mail to `email` and verifies the address. */
export async function verifyEmailFromMail(page: Page, email: string): Promise<void> {
  const mail = await waitForMail(email, 'Verify your email');
  const link = extractLink(mail.text, '/verify');
  await visitChecked(page, link);
  await expect(page.getByRole('heading', { name: 'Verify your email' })).toBeVisible();
  await page.getByRole('button', { name: 'Verify email', exact: true }).click();
  await expect(page.getByText('Your email is verified')).toBeVisible();
  await checkpoint(page);
}

/** Signs in from /signin and waits until the header shows the account menu for `email`. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await visitChecked(page, '/signin');
  await expect(mainHeading(page, 'Sign in')).toBeVisible();
  await field(page, 'Email').fill(email);
  await field(page, 'Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(headerMenu(page, email)).toBeVisible();
  await checkpoint(page);
}

/** Signs out through the account menu and expects the sign-in page. */
export async function signOut(page: Page, email: string): Promise<void> {
  await headerMenu(page, email).click();
  await banner(page).getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/\/signin(?:[?#].*)?$/);
  await expect(mainHeading(page, 'Sign in')).toBeVisible();
  await checkpoint(page);
}

/** Opens the org switcher (whose summary shows `currentOrg`) and follows the link to `targetOrg`. */
export async function switchOrg(page: Page, currentOrg: string | RegExp, targetOrg: string): Promise<void> {
  await headerMenu(page, currentOrg).click();
  await banner(page).getByRole('link', { name: targetOrg, exact: true }).click();
  await expectCurrentOrg(page, targetOrg);
  await checkpoint(page);
}

/** Follows a link of the main navigation and expects the page's h1 to be the same word. */
export async function openSection(page: Page, name: 'Devices' | 'Members' | 'Activity' | 'Settings'): Promise<void> {
  await mainNav(page).getByRole('link', { name, exact: true }).click();
  await expect(mainHeading(page, name)).toBeVisible();
  await checkpoint(page);
}

/**
 * Expects the members table to list `email` with `role`: shown either as the
 * text of one of the row's cells or as the selected option of a select in it.
 */
export async function expectMemberRole(page: Page, email: string, role: string): Promise<void> {
  const row = table(page, 'Members').getByRole('row').filter({ hasText: email });
  await expect(row).toHaveCount(1);
  const asText = row.getByRole('cell', { name: role, exact: true });
  const asSelect = row.getByRole('combobox').filter({ has: page.locator('option:checked', { hasText: role }) });
  await expect(asText.or(asSelect).first()).toBeVisible();
}

/** Creates a platform reviewer with the admin command, against the database the portal uses. */
export function createReviewer(email: string): void {
  const binary = path.resolve(E2E_DIR, process.env.REPLENISH_BIN ?? '../target/debug/replenish');
  execFileSync(binary, ['create-reviewer', '--email', email], {
    input: `${PASSWORD}\n`,
    env: { ...process.env, DATABASE_URL: `sqlite://${DB_FILE}?mode=rwc`, RUST_LOG: 'warn' },
  });
}

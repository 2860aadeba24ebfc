/**
 * Errors on the sign-in and sign-up forms: the same message for an unknown
 * address and a wrong password, a password-length error tied to the Password
 * field, and typed values kept after a failed submission.
 */
import type { Page } from '@playwright/test';
import { expect, test } from '../support/test';
import { javaScriptEnabled } from '../support/page';
import {
  PASSWORD,
  checkpoint,
  field,
  mainHeading,
  signUp,
  submitSignUp,
  uniqueEmail,
  verifyEmailFromMail,
  visitChecked,
} from '../support/portal';

const SIGN_IN_FAILED = 'Email or password is incorrect.';

async function expectSignInRejected(page: Page, email: string, password: string): Promise<void> {
  await visitChecked(page, '/signin');
  const hydrated = test.info().project.use.javaScriptEnabled !== false;
  if (hydrated) {
    // A marker on the window survives only if the form is handled without a page load.
    await page.evaluate(() => ((window as unknown as { stayed?: boolean }).stayed = true));
  }
  await field(page, 'Email').fill(email);
  await field(page, 'Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();

  const alert = page.getByRole('alert').filter({ hasText: SIGN_IN_FAILED });
  await expect(alert).toHaveText(SIGN_IN_FAILED);
  await expect(mainHeading(page, 'Sign in')).toBeVisible();
  await expect(field(page, 'Email')).toHaveValue(email);
  if (hydrated) {
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
  }
  await checkpoint(page);
}

test('sign-in with an unknown email is refused with the generic message', async ({ page }) => {
  await expectSignInRejected(page, uniqueEmail('nobody'), PASSWORD);
});

test('sign-in with a wrong password is refused with the same message', async ({ page }) => {
  test.setTimeout(120_000);
  const email = uniqueEmail('wrongpw');
  await signUp(page, { email, password: PASSWORD, org: 'Wrong Password Inc' });
  await verifyEmailFromMail(page, email);
  await expectSignInRejected(page, email, `${PASSWORD} but wrong`);
});

test('sign-up with a short password explains the rule and keeps the typed values', async ({ page }) => {
  const email = uniqueEmail('shortpw');
  const org = 'Short Password Ltd';
  // The checks made as fields are left are cut off, so the message can come only from the submit.
  await page.route('**/checks/**', (route) => route.abort());
  await visitChecked(page, '/signup');
  await submitSignUp(page, { email, password: 'too short', org });

  const password = field(page, 'Password');
  await expect(page.getByText(/at least 12 characters/).first()).toBeVisible();
  await expect(password).toHaveAttribute('aria-invalid', 'true');
  await expect(password).toHaveAccessibleDescription(/at least 12 characters/);
  await expect(field(page, 'Email')).toHaveValue(email);
  await expect(field(page, 'Organization name')).toHaveValue(org);
  await checkpoint(page);
});

test('sign-up fields say what a submit would as soon as they are left', async ({ page }) => {
  test.skip(!javaScriptEnabled(), 'fields are checked before a submit only with JavaScript');
  await visitChecked(page, '/signup');
  const password = field(page, 'Password');
  const tooShort = /Use at least 12 characters\./;
  await password.fill('too short');
  await password.press('Tab');
  await expect(password).toHaveAttribute('aria-invalid', 'true');
  await expect(password).toHaveAccessibleDescription(tooShort);
  await expect(page.locator('[aria-live="polite"]', { hasText: tooShort })).toHaveCount(1);
  await checkpoint(page);

  // The common-password list is the server's: the browser holds no copy of it.
  await password.fill('Password1234');
  await password.press('Tab');
  await expect(password).toHaveAccessibleDescription(/This password is too common; choose another\./);

  const email = field(page, 'Email');
  await email.fill('ada@');
  await email.press('Tab');
  await expect(email).toHaveAccessibleDescription(/Enter an email address like name@example\.com\./);

  await password.fill(PASSWORD);
  await password.press('Tab');
  await expect(password).not.toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText(/This password is too common/)).toHaveCount(0);
  await expect(password).not.toHaveAccessibleDescription(/too common/);
  // The email's refusal stays: only the field that was fixed loses its message.
  await expect(email).toHaveAttribute('aria-invalid', 'true');
  // Leaving a field submits nothing.
  await expect(page).toHaveURL(/\/signup$/);
});

/**
 * The foundation journey: an owner signs up, verifies, creates a second
 * organization and invites a developer, who signs up through the invitation,
 * verifies, accepts and sees the membership; the owner sees it too.
 *
 * Runs in both projects (js-on and js-off) with addresses unique to the run
 * and the project. Every page visited is checked with axe.
 */
import { expect, test } from '../support/test';
import { extractLink, waitForMail } from '../support/mail';
import { settle } from '../support/page';
import {
  PASSWORD,
  banner,
  checkpoint,
  expectCurrentOrg,
  expectMemberRole,
  field,
  headerMenu,
  mainHeading,
  mainNav,
  openSection,
  signIn,
  signOut,
  signUp,
  submitSignUp,
  switchOrg,
  table,
  uniqueEmail,
  verifyEmailFromMail,
  visitChecked,
} from '../support/portal';

test('owner signs up, creates an organization and invites a developer who joins', async ({ page }) => {
  // One long journey: each step depends on the previous one.
  test.setTimeout(300_000);

  const stamp = Date.now();
  const owner = uniqueEmail('owner', stamp);
  const member = uniqueEmail('member', stamp);
  let inviteLink = '';

  await test.step('a. owner signs up', async () => {
    await signUp(page, { email: owner, password: PASSWORD, org: 'Acme Devices' });
  });

  await test.step('b. owner verifies the email address', async () => {
    await verifyEmailFromMail(page, owner);
  });

  await test.step('c. owner signs in and lands on the devices of Acme Devices', async () => {
    await signIn(page, owner, PASSWORD);
    await expectCurrentOrg(page, 'Acme Devices');
    await expect(mainHeading(page, 'Devices')).toBeVisible();
  });

  await test.step('d. owner creates a second organization from the org switcher', async () => {
    await headerMenu(page, 'Acme Devices').click();
    await banner(page).getByRole('link', { name: 'New organization', exact: true }).click();
    await expect(page).toHaveURL(/\/orgs\/new(?:[?#].*)?$/);
    await expect(field(page, 'Organization name')).toBeVisible();
    await checkpoint(page);

    await field(page, 'Organization name').fill('Acme Labs');
    await page.getByRole('button', { name: 'Create organization', exact: true }).click();
    await expectCurrentOrg(page, 'Acme Labs');
    await expect(mainHeading(page, 'Devices')).toBeVisible();
    await checkpoint(page);
  });

  await test.step('e. owner invites the member as a developer', async () => {
    const nav = mainNav(page);
    for (const name of ['Devices', 'Members', 'Activity', 'Settings']) {
      await expect(nav.getByRole('link', { name, exact: true })).toBeVisible();
    }
    await openSection(page, 'Members');

    await field(page, 'Email').fill(member);
    await field(page, 'Role').selectOption({ label: 'Developer' });
    await page.getByRole('button', { name: 'Send invite', exact: true }).click();
    await expect(table(page, 'Pending invites')).toContainText(member);
    await checkpoint(page);
  });

  await test.step('f. owner signs out', async () => {
    await signOut(page, owner);
  });

  await test.step('g. member follows the invitation, signs up and verifies', async () => {
    const invitation = await waitForMail(member, 'invited you');
    inviteLink = extractLink(invitation.text, '/invites/');

    await visitChecked(page, inviteLink);
    await expect(page.getByRole('heading', { name: 'Join Acme Labs' })).toBeVisible();
    await page.getByRole('link', { name: 'Create an account', exact: true }).click();

    await expect(page).toHaveURL(/\/signup(?:[?#].*)?$/);
    await expect(field(page, 'Email')).toHaveValue(member);
    await checkpoint(page);
    await submitSignUp(page, { password: PASSWORD, org: 'Member Co' });
    await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();
    await checkpoint(page);

    await verifyEmailFromMail(page, member);
  });

  await test.step('h. member signs in and accepts the invitation', async () => {
    await signIn(page, member, PASSWORD);

    await visitChecked(page, inviteLink);
    await expect(page.getByRole('heading', { name: 'Join Acme Labs' })).toBeVisible();
    await page.getByRole('button', { name: 'Accept invite', exact: true }).click();
    await expectCurrentOrg(page, 'Acme Labs');
    await expect(mainHeading(page, 'Devices')).toBeVisible();
    await checkpoint(page);
  });

  await test.step('i. member sees the members of Acme Labs but cannot invite', async () => {
    await openSection(page, 'Members');
    await expectMemberRole(page, member, 'Developer');
    await expectMemberRole(page, owner, 'Owner');
    await expect(page.getByRole('button', { name: 'Send invite' })).toHaveCount(0);
  });

  await test.step('j. owner sees the member as a developer of Acme Labs', async () => {
    await signOut(page, member);
    await signIn(page, owner, PASSWORD);
    await expect(mainHeading(page, 'Devices')).toBeVisible();
    await settle(page);
    if ((await headerMenu(page, 'Acme Labs').count()) === 0) {
      await switchOrg(page, 'Acme Devices', 'Acme Labs');
    }
    await expectCurrentOrg(page, 'Acme Labs');

    await openSection(page, 'Members');
    await expectMemberRole(page, member, 'Developer');
    await expectMemberRole(page, owner, 'Owner');

    await signOut(page, owner);
  });
});

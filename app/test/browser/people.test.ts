/**
 * Running the household in a real headless Chromium: the admin disables a
 * member who is signed in mid-chat (their next action lands on sign-in, told
 * why), enables them, makes a password-reset link that the member uses end
 * to end, and the Activity page shows those entries with the right actor.
 */
import t from 'tap';
import { ARTIFACTS, PASSWORD, register, startBrowserStack } from './browser-fixture.js';

t.setTimeout(600_000);

const { stack, adminInvite, pageErrors, openPage } = await startBrowserStack(t, 'homeagent-people-browser-', {
  tokensPerSecond: 400,
  firstTokenDelayMs: 0,
});
const admin = (await openPage()).page;
const member = (await openPage()).page;

t.test('setup: an admin and a member, the member in a chat', async () => {
  await admin.goto(`${stack.url}/register?invite=${encodeURIComponent(adminInvite)}`);
  await register(admin, stack.url, 'ann', 'Ann Example');
  await admin.goto(`${stack.url}/invites`);
  await admin.getByRole('button', { name: 'Create invite' }).click();
  const link = await admin.locator('#invite-link').inputValue();
  await member.goto(link);
  await register(member, stack.url, 'bob', 'Bob Example');
  await member.getByRole('button', { name: 'New chat' }).click();
  await member.waitForURL(/\/c\/[a-z0-9]+$/);
});

t.test('disabling cuts the member off mid-session, with the reason', async (t) => {
  await admin.goto(`${stack.url}/people`);
  const disable = admin.getByRole('button', { name: 'Disable Bob Example' });
  await disable.click();
  await admin.getByText('Bob Example is disabled and signed out everywhere.').waitFor();
  t.ok(await admin.getByRole('button', { name: 'Enable Bob Example' }).isVisible(), 'the card now offers Enable');

  // Bob, still on his chat page, sends a message: he lands on sign-in, told why.
  await member.getByLabel('Message').fill('are you there?');
  await member.getByRole('button', { name: 'Send' }).click();
  await member.waitForURL(`${stack.url}/sign-in?reason=disabled`);
  t.ok(await member.getByText('This account is disabled. Ask an admin.').isVisible());
  await member.getByLabel('Username').fill('bob');
  await member.getByLabel('Password').fill(PASSWORD);
  await member.getByRole('button', { name: 'Sign in', exact: true }).click();
  await member.getByText('This account is disabled. Ask an admin.').waitFor();
  t.match(member.url(), /\/sign-in/, 'signing in again is refused');
});

t.test('a password-reset link, end to end', async (t) => {
  await admin.getByRole('button', { name: 'Enable Bob Example' }).click();
  await admin.getByText('Bob Example can sign in again.').waitFor();
  // Bob signs in again on his first device: this session must end with the reset.
  await member.getByLabel('Username').fill('bob');
  await member.getByLabel('Password').fill(PASSWORD);
  await member.getByRole('button', { name: 'Sign in', exact: true }).click();
  await member.waitForURL(`${stack.url}/`);

  await admin.getByRole('button', { name: 'Make a password-reset link for Bob Example' }).click();
  const link = await admin.getByLabel('Password-reset link for Bob Example').inputValue();
  t.match(link, new RegExp(`^${stack.url.replace(/[.]/g, '\\.')}/reset/[A-Za-z0-9_-]+$`));

  // He opens the link somewhere else (its own cookies), as from a message on his phone.
  const phone = (await openPage()).page;
  await phone.goto(link);
  await phone.getByRole('heading', { name: 'Choose a new password' }).waitFor();
  await phone.getByLabel('Password').fill('bobs brand new password');
  await phone.getByRole('button', { name: 'Set password' }).click();
  await phone.waitForURL(`${stack.url}/sign-in?reason=password-reset`);
  t.ok(await phone.getByText('Your new password is set. Sign in with it.').isVisible());

  // The session from before the reset is over: his first device is back at sign-in.
  await member.goto(`${stack.url}/`);
  await member.waitForURL(/\/sign-in/);
  await member.getByLabel('Username').fill('bob');
  await member.getByLabel('Password').fill(PASSWORD);
  await member.getByRole('button', { name: 'Sign in', exact: true }).click();
  await member.getByText('That username and password do not match. Please try again.').waitFor();
  t.match(member.url(), /\/sign-in/, 'the old password no longer works');
  await member.getByLabel('Password').fill('bobs brand new password');
  await member.getByRole('button', { name: 'Sign in', exact: true }).click();
  await member.waitForURL(`${stack.url}/`);
  t.ok(await member.getByRole('button', { name: 'Sign out' }).isVisible(), 'the new password signs him in');

  await phone.goto(link);
  t.ok(await phone.getByText('That password-reset link has already been used. Ask an admin for a new one.').isVisible(), 'the link works once');
});

t.test('the Activity page shows these entries with the right actor', async (t) => {
  await admin.goto(`${stack.url}/activity`);
  const rows = admin.locator('.activity-table tbody tr');
  const texts = await rows.allInnerTexts();
  const row = (who: string, what: string) => texts.find((line) => line.split('\t')[1] === who && line.split('\t')[2] === what);
  t.ok(row('ann', 'Account disabled'), 'ann disabled bob');
  t.match(row('ann', 'Account disabled'), /\tbob\t/);
  t.ok(row('ann', 'Account enabled'));
  t.ok(row('ann', 'Reset link made'));
  t.ok(row('bob', 'Reset link used'), 'bob used the link');
  t.ok(row('bob', 'Sign-in failed (refused)'), 'his refused sign-ins (disabled, then the old password)');
  t.ok(row('bob', 'Signed in'));

  await admin.getByLabel('Kind').selectOption({ label: 'Reset link used' });
  await admin.getByRole('button', { name: 'Show' }).click();
  await admin.waitForURL(/action=password\.reset_link_used/);
  const filtered = await admin.locator('.activity-table tbody tr').allInnerTexts();
  t.equal(filtered.length, 1, 'one entry of that kind');
  // The refusals this test causes on purpose log their status in the console:
  // the send after disabling (401), signing in while disabled (403), the old
  // password (401) and the used link (410). Anything else (a CSP violation, a
  // script error, a 5xx) is a failure.
  const unexpected = pageErrors.filter((line) => !/^Failed to load resource: the server responded with a status of (401|403|410) /.test(line));
  t.same(unexpected, [], 'no other console errors (CSP included)');
});

t.test('Spending by day draws the month as an SVG chart in the theme, light and dark', async (t) => {
  await admin.goto(`${stack.url}/`);
  await admin.getByRole('button', { name: 'New chat' }).click();
  await admin.waitForURL(/\/c\/[a-z0-9]+$/);
  await admin.getByLabel('Message').fill('what does a reply cost?');
  await admin.getByRole('button', { name: 'Send' }).click();
  await admin.locator('#messages .bubble-assistant[data-state="complete"]').last().waitFor({ timeout: 120_000 });

  const day = new Date().getUTCDate();
  const chart = admin.getByRole('img', { name: new RegExp(`^Ann Example, spending per day in .+: .+ in all; the most, .+, on day ${day}\\.$`) });
  // The day's row follows the month's by a moment: reload until the chart has its bar.
  for (let i = 0; i < 50 && (await chart.count()) === 0; i++) await admin.goto(`${stack.url}/spending`);
  await chart.waitFor();
  t.ok(await admin.getByRole('img', { name: /^Everyone, spending per day in / }).isVisible(), 'the total chart is there');
  t.ok(await admin.getByRole('table', { name: /Ann Example, by day/ }).isVisible(), 'with its table');
  const fill = () => chart.locator('rect.chart-bar').first().evaluate((rect) => getComputedStyle(rect).fill);
  await admin.emulateMedia({ colorScheme: 'light' });
  const light = await fill();
  await admin.screenshot({ path: `${ARTIFACTS}spending-light.png`, fullPage: true });
  await admin.emulateMedia({ colorScheme: 'dark' });
  const dark = await fill();
  await admin.screenshot({ path: `${ARTIFACTS}spending-dark.png`, fullPage: true });
  t.not(light, 'rgb(0, 0, 0)', 'the bar takes its colour from the theme, not the SVG default');
  t.not(light, dark, 'and changes with dark mode');
  const unexpected = pageErrors.filter((line) => !/^Failed to load resource: the server responded with a status of (401|403|410) /.test(line));
  t.same(unexpected, [], 'no console errors (CSP included)');
});

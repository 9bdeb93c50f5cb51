/**
 * The admin's Models and Safety pages keep their contrast in dark mode as
 * in light (issue 10): axe-core, run inside Chromium, finds no serious or
 * critical violation (colour contrast among them) on the catalogue (with its
 * "default" badge), a model's edit form, and the Safety page with a saved
 * notice and a refusal, light and dark, at 1100 and 375 px.
 */
import t from 'tap';
import { axeViolations } from './axe-check.js';
import { registerWithInvite, startBrowserStack } from './browser-fixture.js';

t.setTimeout(300_000);

const { stack, adminInvite, pageErrors, openPage } = await startBrowserStack(t, 'homeagent-admin-contrast-');
const { page } = await openPage();
page.setDefaultTimeout(60_000);
await registerWithInvite(page, stack.url, adminInvite, 'ann', 'Ann Example');

/** What each state shows, reached as an admin would; resolves once it is on the page. */
const states: Array<[string, () => Promise<void>]> = [
  ['the model catalogue', async () => {
    await page.goto(`${stack.url}/models`);
    await page.locator('.model-table .badge', { hasText: 'default' }).waitFor();
  }],
  ["a model's edit form", async () => {
    await page.goto(`${stack.url}/models`);
    await page.locator('.model-table a[href^="/models/edit"]').first().click();
    await page.waitForURL(/\/models\/edit\?id=/);
  }],
  ['the Safety page after a save', async () => {
    await page.goto(`${stack.url}/safety`);
    await page.getByLabel('Guardrail id for Ann Example').fill('kids01');
    await page.getByLabel('Version for Ann Example').fill('2');
    await page.getByRole('button', { name: 'Save for Ann Example' }).click();
    await page.locator('.notice', { hasText: 'Saved' }).waitFor();
    await page.locator('.safety-people li', { hasText: 'kids01' }).waitFor();
  }],
  ['the Safety page with a refusal', async () => {
    await page.goto(`${stack.url}/safety`);
    await page.getByLabel('Guardrail id for new members').fill('Not An Id');
    await page.getByLabel('Version for new members').fill('1');
    await page.getByRole('button', { name: 'Save default' }).click();
    await page.locator('.form-error').waitFor();
  }],
];

for (const scheme of ['light', 'dark'] as const) {
  t.test(`Models and Safety, ${scheme}: axe finds nothing serious, contrast included`, async (t) => {
    await page.emulateMedia({ colorScheme: scheme });
    for (const width of [1100, 375]) {
      await page.setViewportSize({ width, height: 900 });
      for (const [name, reach] of states) {
        await reach();
        const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
        t.equal(background, scheme === 'dark' ? 'rgb(22, 24, 27)' : 'rgb(246, 245, 242)', `${name}: the ${scheme} theme is on`);
        t.same(await axeViolations(page), [], `axe: ${name}, ${scheme}, ${width} px`);
      }
    }
  });
}

t.test('no console errors but the refusals asked for', async (t) => {
  // Each visit to "the Safety page with a refusal" is a 400 on purpose, which Chromium logs.
  const refusal = /status of 400 \(Bad Request\)/;
  t.equal(pageErrors.filter((e) => refusal.test(e)).length, 4, 'one per refusal: two themes, two widths');
  t.same(pageErrors.filter((e) => !refusal.test(e)), []);
});

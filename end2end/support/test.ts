/**
 * The `test` every spec uses: Playwright's, plus a guard that fails a test when the app panics in the
 * browser. A page whose hydration panicked still looks right but ignores every click, so without this a
 * broken bundle shows up only as a confusing timeout.
 */
import { test as base, expect } from '@playwright/test';

export const test = base.extend<{ panicGuard: void }>({
  panicGuard: [
    async ({ page }, use) => {
      const panics: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' && message.text().includes('panicked at')) {
          panics.push(message.text().split('\n')[0]);
        }
      });
      page.on('pageerror', (error) => panics.push(error.message));
      await use();
      expect(panics, 'the app panicked in the browser').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

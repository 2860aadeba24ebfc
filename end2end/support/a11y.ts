import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { javaScriptEnabled } from './page';

type AxeResults = Awaited<ReturnType<AxeBuilder['analyze']>>;
type Violation = AxeResults['violations'][number];

const BLOCKING_IMPACTS = new Set(['serious', 'critical']);

function describeViolation(violation: Violation): string {
  const lines = [`[${violation.impact}] ${violation.id}: ${violation.help}`, `    ${violation.helpUrl}`];
  for (const node of violation.nodes) {
    lines.push(`    at ${node.target.map((target) => JSON.stringify(target)).join(' > ')}`);
    lines.push(`       ${node.html.replace(/\s+/g, ' ').slice(0, 300)}`);
    if (node.failureSummary) {
      for (const summaryLine of node.failureSummary.split('\n')) {
        lines.push(`       ${summaryLine}`);
      }
    }
  }
  return lines.join('\n');
}

/**
 * axe-core runs inside the page and needs timers, which never fire in a
 * context with javaScriptEnabled: false (its analysis would hang). For the
 * js-off project the page's current DOM is therefore audited in a separate,
 * JavaScript-enabled context: the serialized DOM is served at the page's own
 * URL (so its stylesheets and images load as usual) with a Content-Security-
 * Policy that blocks every script of the page, so what axe sees is exactly
 * what the no-JavaScript user has, never a hydrated version of it.
 */
async function analyzeWithoutPageScripts(page: Page): Promise<AxeResults> {
  const html = await page.content();
  const url = new URL(page.url());
  url.hash = '';
  const browser = page.context().browser();
  if (!browser) {
    throw new Error('expectAccessible: the page has no browser to open an audit context in');
  }
  const auditContext = await browser.newContext({
    javaScriptEnabled: true,
    viewport: page.viewportSize(),
  });
  try {
    const auditPage = await auditContext.newPage();
    await auditPage.route(
      (requestUrl) => requestUrl.href === url.href,
      (route) =>
        route.fulfill({
          status: 200,
          contentType: 'text/html; charset=utf-8',
          // No script source is allowed: the page's inline and external scripts stay inert.
          // 'unsafe-eval' only lets axe-core, injected by Playwright, compile what it needs.
          headers: { 'Content-Security-Policy': "script-src 'unsafe-eval'" },
          body: html,
        }),
      { times: 1 },
    );
    await auditPage.goto(url.href, { waitUntil: 'load' });
    return await new AxeBuilder({ page: auditPage }).analyze();
  } finally {
    await auditContext.close();
  }
}

/**
 * Runs axe-core on the page as it is now and fails on any violation whose
 * impact is "serious" or "critical". Lesser findings are attached to the test
 * report but do not fail it.
 */
export async function expectAccessible(page: Page): Promise<void> {
  const results = javaScriptEnabled() ? await new AxeBuilder({ page }).analyze() : await analyzeWithoutPageScripts(page);
  const blocking = results.violations.filter((violation) => BLOCKING_IMPACTS.has(violation.impact ?? ''));
  const minor = results.violations.filter((violation) => !BLOCKING_IMPACTS.has(violation.impact ?? ''));
  if (minor.length > 0) {
    await test.info().attach(`axe minor findings ${page.url()}`, {
      body: minor.map(describeViolation).join('\n\n'),
      contentType: 'text/plain',
    });
  }
  const report = blocking.map(describeViolation).join('\n\n');
  expect(blocking, `Accessibility violations on ${page.url()}:\n\n${report}\n`).toEqual([]);
}

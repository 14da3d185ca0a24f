import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import { expect } from 'chai';
import type { Page } from 'playwright-core';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

// WCAG 2.2 A and AA, as the bank's accessibility statement promises
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

interface AxeResult {
  violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[];
}

/** Runs axe-core in the page (its context must bypass CSP to take the script) and expects no violation. */
export async function expectNoAxeViolations(page: Page, label: string): Promise<void> {
  if ((await page.evaluate('typeof window.axe')) === 'undefined') await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate<AxeResult, string[]>(
    (tags) =>
      (globalThis as unknown as { axe: { run: (o: object) => Promise<AxeResult> } }).axe.run({ runOnly: { type: 'tag', values: tags } }),
    TAGS,
  );
  const found = result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(found, label).to.deep.equal([]);
}

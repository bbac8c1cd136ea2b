// The PyTorch oracle in Node's tests: loads a fixture file written by the generators in
// test/fixtures/ and checks a case with vitest. The running and comparing is fixture-case.ts,
// shared with the browser fixture page (test/browser/), so both judge a case the same way.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type FixtureCase, runCase } from './fixture-case.js';

export { registerOps, type FixtureCase, type FixtureTensor, type OpRunner } from './fixture-case.js';

/** Cases of test/fixtures/<dir>/<family>.json (dir defaults to 'core'). */
export function loadFixture(family: string, dir = 'core'): FixtureCase[] {
  const path = fileURLToPath(new URL(`../fixtures/${dir}/${family}.json`, import.meta.url));
  return (JSON.parse(readFileSync(path, 'utf8')) as { cases: FixtureCase[] }).cases;
}

/** Runs one case (forward, then backward with the fixture's upstream gradients); throws what differs. */
export async function checkCase(c: FixtureCase): Promise<void> {
  const result = await runCase(c);
  if (result.ok) return;
  const error = new Error(result.failures.join('\n'));
  // An exception from webgrad: its stack (where in webgrad it threw) follows the differences.
  if (result.error?.stack) error.stack = `${error.message}\n${result.error.stack}`;
  throw error;
}

// What the browser tests share: where Chromium is, how it is started on these
// machines (a closed network: no background traffic, no sandbox as root), and
// the rule that a missing browser skips the tests locally but fails under CI.
import { existsSync } from 'node:fs';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export const isCi = process.env.CI === 'true' || process.env.CI === '1';

const hasChromium = existsSync(CHROMIUM_PATH);

/** @param {string} what */
export function shouldRunBrowserTests(what) {
  if (!hasChromium && !isCi) {
    console.warn(
      `[tests] ${CHROMIUM_PATH} is missing: skipping ${what} (apt-get install chromium; under CI=true it fails instead).`,
    );
  }
  return hasChromium || isCi;
}

export function assertChromium() {
  if (!hasChromium) throw new Error(`CI=true and ${CHROMIUM_PATH} is missing: install the Debian package "chromium"`);
}

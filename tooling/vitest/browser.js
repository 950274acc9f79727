// What the browser tests share: where Chromium is, how it is started on these
// machines (a closed network: no background traffic, no sandbox as root), and
// the rule that a missing browser skips the tests unless they are required.
import { existsSync } from 'node:fs';
import { isRequired } from './services.js';

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

const hasChromium = existsSync(CHROMIUM_PATH);

/** @param {string} what */
export function shouldRunBrowserTests(what) {
  if (!hasChromium && !isRequired.chromium) {
    console.warn(
      `[tests] ${CHROMIUM_PATH} is missing: skipping ${what} (apt-get install chromium; with CHROMIUM_PATH or REQUIRE_SERVICES=1 set it fails instead).`,
    );
  }
  return hasChromium || isRequired.chromium;
}

export function assertChromium() {
  if (!hasChromium) {
    throw new Error(`Chromium is required and ${CHROMIUM_PATH} is missing: install the Debian package "chromium"`);
  }
}

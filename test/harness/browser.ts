import { chromium, type Browser } from 'playwright-core';
import { toolPath } from './tools.ts';

/** Debian's Chromium (scripts/chromium.sh installs it for the run), or CHROMIUM_PATH. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: toolPath('chromium'),
    headless: true,
    // This machine has no network beyond loopback: nothing may phone home.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

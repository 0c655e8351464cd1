import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium (what CI installs), if this machine has it. */
export const chromiumPath: string | undefined = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (p): p is string => p !== undefined && p !== '' && existsSync(p),
);

/** A describe title that says why the block is skipped when chromium is missing. */
export function withChromium(title: string): string {
  return chromiumPath === undefined ? `${title} (skipped: no chromium; apt-get install chromium, or set CHROMIUM_PATH)` : title;
}

/** Headless chromium through playwright-core (never `playwright install`); the caller closes it. */
export function launchChromium(): Promise<Browser> {
  if (chromiumPath === undefined) throw new Error('no chromium');
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    // --no-sandbox: CI containers run as root; autoplay: the page starts muted playback itself.
    args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

/**
 * The headless Chromium the page tests (report, dashboard) drive through playwright-core: where it is, whether
 * a missing browser skips the tests or fails them (REPORT_BROWSER_REQUIRED=1, as .ci/run sets it once it installed
 * one), and the guide's launch flags (no network reached for; playwright adds --headless and a fresh temporary
 * --user-data-dir for every launch).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ARTIFACTS = path.resolve(__dirname, '../../test-artifacts');

export const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      candidates.push(execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim());
    } catch {
      // not on PATH
    }
  }
  return candidates.find((c): c is string => c !== undefined && c !== '' && fs.existsSync(c));
}

export const CHROMIUM = findChromium();

/** `describe` when a browser is there (or required: then a missing one fails), else `describe.skip` with a warning naming `suite`. */
export function describeInBrowserFor(suite: string): jest.Describe {
  const required = process.env.REPORT_BROWSER_REQUIRED === '1';
  if (CHROMIUM === undefined && !required) console.warn(`${suite}: SKIPPED: no Chromium found (apt-get install chromium, or set CHROMIUM_PATH)`);
  return CHROMIUM !== undefined || required ? describe : describe.skip;
}

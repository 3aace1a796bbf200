/**
 * npm 11 skips a dependency's install scripts unless package.json `allowScripts` approves them, and ends `npm ci`
 * with a warning listing each package it has no decision for. Every package in the lock that has an install script
 * carries a decision here, so the Quick start's `npm ci` ends without a warning and a new one is reviewed, not
 * silently skipped. Both are denied, which is what npm already did: esbuild's postinstall only re-fetches a platform
 * binary the lock already installs (and swaps its launcher), and @parcel/watcher's builds its native watcher from source
 * only when asked to (npm_config_build_from_source), the prebuilt one being in the lock (jest uses it in watch mode).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

interface LockEntry {
  readonly version?: string;
  readonly hasInstallScript?: boolean;
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8')) as T;
}

/** The package name of a lock path: node_modules/a/node_modules/@s/b → @s/b. */
export function packageName(lockPath: string): string {
  return lockPath.slice(lockPath.lastIndexOf('node_modules/') + 'node_modules/'.length);
}

/** Lock packages with an install script that `allowScripts` neither approves nor denies (by name or name@version). */
export function undecidedInstallScripts(packages: Record<string, LockEntry>, allowScripts: Record<string, boolean>): string[] {
  const out: string[] = [];
  for (const [where, entry] of Object.entries(packages)) {
    if (where === '' || entry.hasInstallScript !== true) continue;
    const name = packageName(where);
    if (!(name in allowScripts) && !(`${name}@${entry.version}` in allowScripts)) out.push(`${name}@${entry.version ?? '?'}`);
  }
  return out;
}

describe('package: every dependency install script has a decision in allowScripts', () => {
  const pkg = readJson<{ allowScripts?: Record<string, boolean> }>('package.json');
  const lock = readJson<{ packages: Record<string, LockEntry> }>('package-lock.json');

  it('the lock has install scripts to decide on, and each one is decided', () => {
    const withScripts = Object.entries(lock.packages).filter(([, e]) => e.hasInstallScript === true);
    expect(withScripts.length).toBeGreaterThan(0);
    expect(undecidedInstallScripts(lock.packages, pkg.allowScripts ?? {})).toEqual([]);
  });

  it('names an undecided one, nested or scoped, and takes a pinned decision', () => {
    const packages = {
      '': { version: '0.1.0' },
      'node_modules/esbuild': { version: '0.28.2', hasInstallScript: true },
      'node_modules/a/node_modules/@s/native': { version: '1.2.3', hasInstallScript: true },
      'node_modules/plain': { version: '1.0.0' },
    };
    expect(undecidedInstallScripts(packages, {})).toEqual(['esbuild@0.28.2', '@s/native@1.2.3']);
    expect(undecidedInstallScripts(packages, { esbuild: false, '@s/native@1.2.3': true })).toEqual([]);
    expect(undecidedInstallScripts(packages, { esbuild: false, '@s/native@1.2.4': true })).toEqual(['@s/native@1.2.3']);
  });
});

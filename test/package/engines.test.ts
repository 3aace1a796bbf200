/**
 * Every package `npm ci` installs runs on every Node the package says it runs on (package.json `engines.node`,
 * from its lowest version up): a dependency that needs a newer Node makes the first command of the Quick start
 * print `npm warn EBADENGINE`, and may fail at run time where that dependency is loaded.
 * (fastify's light-my-request 6.8 pulls cookie 2, which needs Node 22; package.json `overrides` pins
 * light-my-request 6.6, whose cookie 1 runs on Node 18.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import semver from 'semver';

const ROOT = path.resolve(__dirname, '../..');

interface LockEntry {
  readonly version?: string;
  readonly engines?: { readonly node?: string } | readonly string[];
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8')) as T;
}

/** The lockfile entries whose `engines.node` does not admit `node`, as "path needs range". */
export function enginesRefusing(packages: Record<string, LockEntry>, node: string): string[] {
  const out: string[] = [];
  for (const [where, entry] of Object.entries(packages)) {
    if (where === '') continue;
    const range = Array.isArray(entry.engines) ? undefined : (entry.engines as { node?: string } | undefined)?.node;
    if (range === undefined) continue;
    if (!semver.satisfies(node, range)) out.push(`${where}@${entry.version ?? '?'} needs node ${range}`);
  }
  return out;
}

describe('package: dependencies run on the Node versions the package admits', () => {
  const pkg = readJson<{ engines: { node: string } }>('package.json');
  const lock = readJson<{ packages: Record<string, LockEntry> }>('package-lock.json');
  const lowest = semver.minVersion(pkg.engines.node)!.version;

  it('reads a Node range from package.json, and the lock is that package', () => {
    expect(lowest).toBe('20.19.0');
    expect(lock.packages['']).toMatchObject({ engines: { node: pkg.engines.node } });
  });

  it.each([lowest, process.versions.node])('no installed package refuses Node %s', (node) => {
    expect(enginesRefusing(lock.packages, node)).toEqual([]);
  });

  it('would name a package that refuses (cookie 2 on Node 20, as before the override)', () => {
    const packages = {
      '': { version: '0.1.0' },
      'node_modules/cookie': { version: '2.0.2', engines: { node: '>=22' } },
      'node_modules/ws': { version: '8.18.3', engines: { node: '>=10.0.0' } },
      'node_modules/old': { version: '1.0.0', engines: ['node >= 0.8'] },
    };
    expect(enginesRefusing(packages, '20.19.0')).toEqual(['node_modules/cookie@2.0.2 needs node >=22']);
    expect(enginesRefusing(packages, '22.0.0')).toEqual([]);
  });
});

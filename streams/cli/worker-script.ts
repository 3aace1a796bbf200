/**
 * The script a worker thread runs, built once. Run from built JavaScript (dist/), a worker loads the
 * built file. Run from TypeScript (ts-node, jest), every worker would otherwise compile every module it
 * loads again (`-r ts-node/register/transpile-only`: seconds of CPU per worker), and even transpiled once,
 * a worker spent ~0.45 s CPU resolving, reading and running ~700 files (rxjs alone is 223). Instead the
 * entry and everything it imports are bundled by esbuild into ONE file, in a folder named by a hash of the
 * sources and the installed packages (node_modules/.cache, where build tools keep such output, so a
 * `require` left in the bundle still finds the project's packages); later runs with unchanged sources reuse
 * it. A package the entry reaches only through a dynamic `import()` (the venues' signing libraries, the
 * API server) stays a `require` at run time: bundled, it doubled the file a worker parses and never runs.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface WorkerScript {
  /** The file to hand to `new Worker(...)`. */
  readonly file: string;
  /** Node flags it needs (none: it is JavaScript). */
  readonly execArgv: string[];
}

type TypeScript = typeof import('typescript');
type Esbuild = typeof import('esbuild');

/** `entry` itself when it is JavaScript; else its bundle (made now if its sources or packages changed). */
export function workerScript(entry: string): WorkerScript {
  if (!entry.endsWith('.ts')) return { file: entry, execArgv: [] };
  // Only reached when running from TypeScript, where typescript and esbuild (dev dependencies) are installed.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const ts = require('typescript') as TypeScript;
  const esbuild = require('esbuild') as Esbuild;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const root = projectRoot(entry);
  const options = buildOptions(root, entry);
  const hash = crypto.createHash('sha256').update(esbuild.version).update(JSON.stringify(options)).update(installedPackages(root));
  for (const file of importClosure(ts, entry)) hash.update(path.relative(root, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  const dir = path.join(root, 'node_modules', '.cache', 'vest-paradex-arb', `worker-bundle-${hash.digest('hex').slice(0, 16)}`);
  const file = path.join(dir, path.basename(entry).replace(/\.ts$/, '.js'));
  if (!fs.existsSync(path.join(dir, 'complete'))) {
    // Written beside, then renamed into place: a sweep started at the same time sees all of it or none.
    const temp = `${dir}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
    try {
      esbuild.buildSync({ ...options, external: dynamicOnlyPackages(esbuild, options, path.relative(root, entry)), outfile: path.join(temp, path.basename(file)) });
      fs.writeFileSync(path.join(temp, 'complete'), '');
      fs.mkdirSync(path.dirname(dir), { recursive: true });
      fs.renameSync(temp, dir);
      pruneOld(path.dirname(dir), dir);
    } catch (err) {
      fs.rmSync(temp, { recursive: true, force: true });
      // Another process finished the same folder first: use it.
      if (!fs.existsSync(path.join(dir, 'complete'))) throw err;
    }
  }
  return { file, execArgv: [] };
}

/** One CommonJS file for this Node, compiled with the project's tsconfig. */
function buildOptions(root: string, entry: string): import('esbuild').BuildOptions {
  return {
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    tsconfig: path.join(root, 'tsconfig.json'),
    // Packages' ES module builds where they have one (rxjs, zod): esbuild drops what is never imported.
    mainFields: ['module', 'main'],
    // A third less to read and parse per worker (3.0 → 2.1 MB); names are kept (stack traces, constructor.name).
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    logLevel: 'silent',
  };
}

/**
 * Packages reached only through a dynamic `import()`, directly or through other files: what the entry's static
 * imports never load (a first, unwritten build's import graph says which).
 */
function dynamicOnlyPackages(esbuild: Esbuild, options: import('esbuild').BuildOptions, entry: string): string[] {
  const { metafile } = esbuild.buildSync({ ...options, write: false, metafile: true, outfile: 'graph.js' });
  const inputs = metafile.inputs;
  const packageOf = (file: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1];
  const reached = new Set<string>();
  for (const queue = [entry.split(path.sep).join('/')]; queue.length > 0; ) {
    const file = queue.pop()!;
    if (reached.has(file) || !inputs[file]) continue;
    reached.add(file);
    for (const imp of inputs[file].imports) if (imp.kind !== 'dynamic-import' && !imp.external) queue.push(imp.path);
  }
  const staticPackages = new Set([...reached].map(packageOf));
  return [...new Set(Object.keys(inputs).map(packageOf))].filter((p): p is string => p !== undefined && !staticPackages.has(p)).sort();
}

/** What npm installed (its own record of node_modules), so a changed package makes a new bundle. */
function installedPackages(root: string): Buffer {
  for (const file of [path.join(root, 'node_modules', '.package-lock.json'), path.join(root, 'package-lock.json')]) {
    if (fs.existsSync(file)) return fs.readFileSync(file);
  }
  return Buffer.alloc(0);
}

/** Bundles for sources that changed since, untouched for a day, are removed (and the transpiled folders of before). */
function pruneOld(parent: string, keep: string): void {
  const dayAgo = Date.now() - 24 * 3600_000;
  for (const name of fs.readdirSync(parent)) {
    const dir = path.join(parent, name);
    if (dir === keep || !/^worker-(js|bundle)-/.test(name)) continue;
    try {
      if (fs.statSync(dir).mtimeMs < dayAgo) fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // Another process removed it, or it is in use where removal fails: it stays.
    }
  }
}

/** The folder holding package.json above `file`. */
function projectRoot(file: string): string {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${file}`);
  }
}

/** `entry` and every project file it imports, directly or not (relative imports; packages are left to require). */
function importClosure(ts: TypeScript, entry: string): string[] {
  const seen = new Set<string>();
  const queue = [entry];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const resolved = resolveTs(path.resolve(path.dirname(file), fileName));
      if (resolved !== undefined) queue.push(resolved);
    }
  }
  return [...seen].sort();
}

function resolveTs(base: string): string | undefined {
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts'), base]) {
    if (candidate.endsWith('.ts') && fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

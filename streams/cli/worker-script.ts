/**
 * The script a worker thread runs, compiled once. Run from built JavaScript (dist/), a worker loads the
 * built file. Run from TypeScript (ts-node, jest), every worker would otherwise compile every module it
 * loads again (`-r ts-node/register/transpile-only`: seconds of CPU per worker, which on a loaded
 * machine made two sweep workers slower than one). Instead the entry and every module it imports are
 * transpiled once, with the same TypeScript and compiler options ts-node uses, into a folder named by a
 * hash of their sources (node_modules/.cache, where build tools keep such output, so `require` still
 * finds the project's packages); later runs with unchanged sources reuse it, and the workers start on
 * plain JavaScript.
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

/** `entry` itself when it is JavaScript; else its transpiled copy (made now if its sources changed). */
export function workerScript(entry: string): WorkerScript {
  if (!entry.endsWith('.ts')) return { file: entry, execArgv: [] };
  // Only reached when running from TypeScript, where typescript (a dev dependency) is installed.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require('typescript') as TypeScript;
  const root = projectRoot(entry);
  const files = importClosure(ts, entry);
  const options = compilerOptions(ts, root);
  const hash = crypto.createHash('sha256').update(ts.version).update(JSON.stringify(options));
  const sources = new Map<string, string>();
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    sources.set(file, text);
    hash.update(path.relative(root, file)).update('\0').update(text).update('\0');
  }
  const dir = path.join(root, 'node_modules', '.cache', 'vest-paradex-arb', `worker-js-${hash.digest('hex').slice(0, 16)}`);
  const out = (file: string) => path.join(dir, path.relative(root, file).replace(/\.ts$/, '.js'));
  if (!fs.existsSync(path.join(dir, 'complete'))) {
    // Written beside, then renamed into place: a sweep started at the same time sees all of it or none.
    const temp = `${dir}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
    try {
      for (const [file, text] of sources) {
        const js = ts.transpileModule(text, { compilerOptions: options, fileName: file, reportDiagnostics: false }).outputText;
        const target = path.join(temp, path.relative(root, file).replace(/\.ts$/, '.js'));
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, js);
      }
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
  return { file: out(entry), execArgv: [] };
}

/** Copies for sources that changed since, untouched for a day, are removed. */
function pruneOld(parent: string, keep: string): void {
  const dayAgo = Date.now() - 24 * 3600_000;
  for (const name of fs.readdirSync(parent)) {
    const dir = path.join(parent, name);
    if (dir === keep || !name.startsWith('worker-js-')) continue;
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

/** The project's compiler options (tsconfig.json), for CommonJS output without source maps. */
function compilerOptions(ts: TypeScript, root: string): import('typescript').CompilerOptions {
  const configFile = path.join(root, 'tsconfig.json');
  const read = ts.readConfigFile(configFile, (f) => ts.sys.readFile(f));
  const raw = (read.config as { compilerOptions?: object } | undefined)?.compilerOptions ?? {};
  const { options } = ts.convertCompilerOptionsFromJson(raw, root, configFile);
  return { ...options, module: ts.ModuleKind.CommonJS, sourceMap: false, inlineSourceMap: false, declaration: false, noEmit: false };
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

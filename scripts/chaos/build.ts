/**
 * The campaign runs the bot as a user does, but starts it hundreds of times: under ts-node each start
 * costs ~5 s of CPU (it compiles every file), compiled JS ~1.5 s. So the campaign transpiles src/ and
 * streams/ once (tsc --noCheck: no type check, the suite's typecheck does that) into a cache folder
 * keyed by the sources' stamps, and reuses it while nothing changed.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A build (or a half-made one) untouched this long is no longer in use. */
const STALE_BUILD_MS = 60 * 60 * 1000;

function sourceStamp(root: string): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) {
        const st = fs.statSync(full);
        hash.update(`${path.relative(root, full)}:${st.size}:${st.mtimeMs}\n`);
      }
    }
  };
  walk(path.join(root, 'src'));
  walk(path.join(root, 'streams'));
  for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package.json']) {
    const st = fs.statSync(path.join(root, f));
    hash.update(`${f}:${st.size}:${st.mtimeMs}\n`);
  }
  return hash.digest('hex').slice(0, 16);
}

/** The folder holding streams/cli/main.js and src/sim/cli.js, built now unless an up-to-date one exists. */
export async function buildForCampaign(root: string, log: (line: string) => void = () => undefined): Promise<string> {
  // Inside node_modules so the built files resolve the project's dependencies by walking up.
  const cache = path.join(root, 'node_modules', '.cache', 'vest-paradex-arb-chaos');
  const stamp = sourceStamp(root);
  const out = path.join(cache, stamp);
  if (fs.existsSync(path.join(out, 'streams', 'cli', 'main.js'))) {
    // In use again: not stale for another campaign's clean-up.
    const now = new Date();
    fs.utimesSync(out, now, now);
    return out;
  }
  fs.mkdirSync(cache, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(cache, `${stamp}.building-`));
  log(`chaos: building the bot into ${path.relative(root, out)} (tsc --noCheck)`);
  const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  const args = [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--noCheck', '--outDir', tmp, '--declaration', 'false', '--sourceMap', 'false'];
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    child.on('close', (c) => resolve({ code: c, output: text }));
  });
  if (code !== 0 || !fs.existsSync(path.join(tmp, 'streams', 'cli', 'main.js'))) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new Error(`building the bot for the campaign failed (tsc exit ${code}):\n${output.slice(0, 2000)}`);
  }
  try {
    fs.renameSync(tmp, out);
  } catch {
    // Another campaign built the same stamp meanwhile: use theirs.
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  // Older builds are dead weight, once no campaign can still be running on them.
  for (const name of fs.readdirSync(cache)) {
    const full = path.join(cache, name);
    if (name !== stamp && Date.now() - fs.statSync(full).mtimeMs > STALE_BUILD_MS) fs.rmSync(full, { recursive: true, force: true });
  }
  return out;
}

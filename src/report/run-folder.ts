/**
 * `runs/latest`: a relative symlink to the newest run folder, so `runs/latest/report.html` is always the
 * last run's report. Relative, so the runs folder can be moved or mounted elsewhere and still resolve.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const LATEST_LINK = 'latest';

/**
 * Points `<runs dir>/latest` at `runDir` (a folder inside the runs dir). The link is made under a temporary
 * name and renamed over the old one, so a reader never sees it missing or half made. Where symlinks
 * cannot be made (some filesystems, Windows without the privilege) or `latest` is not ours to replace
 * (a real file or folder), nothing is written and the run goes on: returns false.
 */
export function linkLatestRun(runDir: string): boolean {
  const runsDir = path.dirname(runDir);
  const link = path.join(runsDir, LATEST_LINK);
  const temp = path.join(runsDir, `.${LATEST_LINK}.${process.pid}.${Date.now()}`);
  try {
    // Only ever replace our own link: a file or folder a user put there stays.
    if (fs.lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink() === false) return false;
    fs.symlinkSync(path.basename(runDir), temp, 'dir');
  } catch {
    return false;
  }
  try {
    fs.renameSync(temp, link);
    return true;
  } catch {
    try {
      fs.unlinkSync(temp);
    } catch {
      // Nothing more to undo.
    }
    return false;
  }
}

/**
 * A run-folder file and its size-rotated parts (events.ndjson.N … events.ndjson.1, events.ndjson), oldest first:
 * the order to read a rotated log in. Only the parts that exist; gaps (a part deleted by hand) are skipped.
 */
export function rotatedParts(file: string): string[] {
  const dir = path.dirname(file);
  const base = path.basename(file);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const parts = names
    .map((n) => (n.startsWith(`${base}.`) ? Number(n.slice(base.length + 1)) : NaN))
    .filter((n) => Number.isInteger(n) && n > 0)
    .sort((a, b) => b - a)
    .map((n) => path.join(dir, `${base}.${n}`));
  return fs.existsSync(file) ? [...parts, file] : parts;
}

/** Every line of a rotated run-folder file, oldest first, one part in memory at a time. */
export function* readRotatedLines(file: string): Generator<string> {
  for (const part of rotatedParts(file)) {
    const text = fs.readFileSync(part, 'utf8');
    for (const line of text.split('\n')) if (line !== '') yield line;
  }
}

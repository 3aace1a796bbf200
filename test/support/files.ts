import * as fs from 'node:fs';
import * as path from 'node:path';

/** Every regular file below `dir`. Symlinks are skipped: `runs/latest` points at a run folder already walked. */
export function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const full = path.join(dir, d.name);
    if (d.isDirectory()) return filesUnder(full);
    return d.isFile() ? [full] : [];
  });
}

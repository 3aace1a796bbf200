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

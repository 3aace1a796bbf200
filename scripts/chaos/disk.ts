/**
 * A real full disk for the disk-full trials: a small tmpfs mounted for the trial (the journal and the run folder
 * live on it), filled to the last byte by a filler file while the bot runs, freed by deleting the filler, and
 * unmounted when the trial's facts are gathered (its contents copied out first, to read the trial back).
 * Mounting needs root (CAP_SYS_ADMIN); where it is refused the trial is inconclusive, with the reason.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Room for a normal run: bot.log, events, report.html with its inlined charts, the journal. */
export const DISK_BYTES = 16 * 1024 * 1024;
const FILLER = '.filler';

/** Mounts a tmpfs of DISK_BYTES at `dir` (created); throws with the reason when the system refuses. */
export function mountSmallDisk(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${DISK_BYTES},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`disk-full trials mount a small tmpfs, and mount was refused (${stderr || (err as Error).message}): run the campaign as root`, { cause: err });
  }
}

/** Fills the disk at `dir` until the file system refuses another byte; returns the bytes written. */
export function fillDisk(dir: string): number {
  const fd = fs.openSync(path.join(dir, FILLER), 'a');
  let written = 0;
  try {
    for (const size of [1024 * 1024, 4096, 1]) {
      const chunk = Buffer.alloc(size);
      for (;;) {
        try {
          written += fs.writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return written;
}

/** Deletes the filler: the disk has room again. */
export function freeDisk(dir: string): void {
  fs.rmSync(path.join(dir, FILLER), { force: true });
}

/** Copies what the trial left on the disk to `keep` (without the filler), then unmounts it. Never throws. */
export function unmountDisk(dir: string, keep: string): string | undefined {
  try {
    freeDisk(dir);
    fs.cpSync(dir, keep, { recursive: true });
  } catch {
    // Best effort: the facts were gathered already.
  }
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `umount ${dir}: ${(err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message}`;
  }
}

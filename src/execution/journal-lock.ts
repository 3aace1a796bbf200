/**
 * One bot per journal folder. Two bots sharing a journal would both restore, monitor and close the same
 * positions (double closes, a position reversed at the venue). The first run takes `<dir>/bot.lock`,
 * holding its pid, host and start time; a second run on the same folder is refused while that process
 * lives, and takes the lock over when it does not (a bot killed with SIGKILL leaves its lock behind,
 * and its restart must not wait).
 *
 * Why not `proper-lockfile`: its staleness is by mtime (a lock is stale once not refreshed for `stale` ms,
 * 10 s by default), so a restart right after a kill -9, which is exactly the recovery path, would be
 * refused or made to wait; liveness by pid answers at once on one host. A lock written by another host
 * (a shared network folder) is never taken over automatically.
 *
 * The operator commands that write to a live bot's journal on purpose (`resume`) do not take the lock.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const JOURNAL_LOCK_FILE = 'bot.lock';

interface LockRecord {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
}

/** Another live bot holds the folder: the run must not start. */
export class JournalInUseError extends Error {
  constructor(
    readonly dir: string,
    readonly holder: LockRecord,
  ) {
    super(
      `journal folder ${dir} is in use by another bot (pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}): ` +
        `two bots on one journal would trade the same positions; stop that bot, or give this one its own --journal-dir ` +
        `(if no bot is running there, delete ${path.join(dir, JOURNAL_LOCK_FILE)})`,
    );
    this.name = 'JournalInUseError';
  }
}

export interface JournalLock {
  readonly path: string;
  /** Set when a lock left by a dead process was taken over. */
  readonly tookOverFrom?: LockRecord;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void;
}

export interface JournalLockOptions {
  readonly pid?: number;
  readonly host?: string;
  readonly now?: () => Date;
  /** Whether a process lives: default `process.kill(pid, 0)` (EPERM counts as alive). */
  readonly isAlive?: (pid: number) => boolean;
}

/** Lock files held by this process (a lock naming our pid that is not here was left by an earlier process with the same pid, e.g. PID 1 in a container). */
const heldHere = new Set<string>();

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): LockRecord | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const r = JSON.parse(text) as Partial<LockRecord>;
    if (Number.isSafeInteger(r.pid) && typeof r.host === 'string' && typeof r.startedAt === 'string') return r as LockRecord;
  } catch {
    // torn or foreign content: treated below as a lock of unknown origin
  }
  return { pid: -1, host: 'unknown', startedAt: 'unknown' };
}

/**
 * Takes the folder's lock (creating the folder if needed) or throws JournalInUseError. A lock whose
 * process is gone (same host) is taken over and reported in `tookOverFrom`. A lock file that cannot be
 * read as a lock (foreign or torn content) is refused, never deleted: a human decides.
 */
export function acquireJournalLock(dir: string, opts: JournalLockOptions = {}): JournalLock {
  const pid = opts.pid ?? process.pid;
  const host = opts.host ?? os.hostname();
  const isAlive = opts.isAlive ?? processAlive;
  const mine: LockRecord = { pid, host, startedAt: (opts.now ?? (() => new Date()))().toISOString() };
  const file = path.join(dir, JOURNAL_LOCK_FILE);
  fs.mkdirSync(dir, { recursive: true });
  let tookOverFrom: LockRecord | undefined;
  // Two attempts: the second after removing a dead holder's lock (a racing starter may win it: then we refuse).
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      try {
        fs.writeSync(fd, `${JSON.stringify(mine)}\n`);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      heldHere.add(file);
      return lockHandle(file, mine, tookOverFrom);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readHolder(file);
    if (holder === undefined) continue; // released between our open and our read
    const ourPidNotHeldHere = holder.pid === pid && !heldHere.has(file);
    const stale = attempt === 0 && holder.pid > 0 && holder.host === host && (ourPidNotHeldHere || (holder.pid !== pid && !isAlive(holder.pid)));
    if (!stale) throw new JournalInUseError(dir, holder);
    fs.rmSync(file, { force: true });
    tookOverFrom = holder;
  }
  throw new JournalInUseError(dir, readHolder(file) ?? { pid: -1, host: 'unknown', startedAt: 'unknown' });
}

function lockHandle(file: string, mine: LockRecord, tookOverFrom: LockRecord | undefined): JournalLock {
  let held = true;
  return {
    path: file,
    ...(tookOverFrom ? { tookOverFrom } : {}),
    release() {
      if (!held) return;
      held = false;
      heldHere.delete(file);
      const holder = readHolder(file);
      // Only our own lock is removed (never one another process took over after us).
      if (holder && holder.pid === mine.pid && holder.host === mine.host && holder.startedAt === mine.startedAt) fs.rmSync(file, { force: true });
    },
  };
}

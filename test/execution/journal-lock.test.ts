import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireJournalLock, JOURNAL_LOCK_FILE, JournalInUseError, processAlive } from '../../src/execution/journal-lock';

describe('journal lock: one bot per journal folder', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jlock-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const lockFile = () => path.join(dir, JOURNAL_LOCK_FILE);
  const writeHolder = (holder: object) => fs.writeFileSync(lockFile(), JSON.stringify(holder));

  it('takes the lock (pid, host, start time on disk) and releases it', () => {
    const lock = acquireJournalLock(path.join(dir, 'new', 'journal'), { pid: 4242, host: 'h1', now: () => new Date(Date.UTC(2026, 0, 2)) });
    const onDisk = JSON.parse(fs.readFileSync(lock.path, 'utf8'));
    expect(onDisk).toEqual({ pid: 4242, host: 'h1', startedAt: '2026-01-02T00:00:00.000Z' });
    expect(lock.tookOverFrom).toBeUndefined();
    lock.release();
    expect(fs.existsSync(lock.path)).toBe(false);
    lock.release(); // idempotent
  });

  it('refuses a second bot while the holder lives, naming the folder, the holder and the way out', () => {
    const first = acquireJournalLock(dir, { pid: 1001, host: 'h1', isAlive: () => true });
    let err: unknown;
    try {
      acquireJournalLock(dir, { pid: 1002, host: 'h1', isAlive: () => true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(JournalInUseError);
    const msg = (err as Error).message;
    expect(msg).toContain(dir);
    expect(msg).toContain('pid 1001 on h1');
    expect(msg).toContain('--journal-dir');
    expect(msg).toContain(lockFile());
    // The holder's lock is untouched by the refusal.
    expect(JSON.parse(fs.readFileSync(lockFile(), 'utf8')).pid).toBe(1001);
    first.release();
  });

  it('refuses a second run in the same process on the same folder', () => {
    const first = acquireJournalLock(dir);
    expect(() => acquireJournalLock(dir)).toThrow(JournalInUseError);
    first.release();
    acquireJournalLock(dir).release(); // free again once released
  });

  it('takes over the lock of a process that is gone (a bot killed with SIGKILL restarts at once)', () => {
    writeHolder({ pid: 31337, host: 'h1', startedAt: '2026-01-01T00:00:00.000Z' });
    const seen: number[] = [];
    const lock = acquireJournalLock(dir, { pid: 2002, host: 'h1', isAlive: (pid) => (seen.push(pid), false) });
    expect(seen).toEqual([31337]);
    expect(lock.tookOverFrom).toEqual({ pid: 31337, host: 'h1', startedAt: '2026-01-01T00:00:00.000Z' });
    expect(JSON.parse(fs.readFileSync(lockFile(), 'utf8')).pid).toBe(2002);
    lock.release();
  });

  it('takes over a lock naming our own pid that this process does not hold (PID 1 in a container after a restart)', () => {
    writeHolder({ pid: process.pid, host: os.hostname(), startedAt: '2026-01-01T00:00:00.000Z' });
    const lock = acquireJournalLock(dir);
    expect(lock.tookOverFrom?.startedAt).toBe('2026-01-01T00:00:00.000Z');
    lock.release();
  });

  it('never takes over a lock from another host, or one it cannot read as a lock', () => {
    writeHolder({ pid: 31337, host: 'other-host', startedAt: 'x' });
    expect(() => acquireJournalLock(dir, { pid: 1, host: 'h1', isAlive: () => false })).toThrow(/pid 31337 on other-host/);
    fs.writeFileSync(lockFile(), 'not json');
    expect(() => acquireJournalLock(dir, { pid: 1, host: 'h1', isAlive: () => false })).toThrow(JournalInUseError);
    expect(fs.readFileSync(lockFile(), 'utf8')).toBe('not json'); // left for a human
  });

  it('release removes only its own lock, never one taken over after it', () => {
    const mine = acquireJournalLock(dir, { pid: 1001, host: 'h1' });
    writeHolder({ pid: 1002, host: 'h1', startedAt: 'later' });
    mine.release();
    expect(JSON.parse(fs.readFileSync(lockFile(), 'utf8')).pid).toBe(1002);
  });

  it('processAlive: this process lives, a pid beyond the kernel limit does not', () => {
    expect(processAlive(process.pid)).toBe(true);
    expect(processAlive(2 ** 22 + 12345)).toBe(false);
  });
});

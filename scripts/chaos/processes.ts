/**
 * Child processes of the campaign: the bot (the real CLI) and the simulated venues, with their
 * output captured, a bounded wait for their exit, and a wait for a line of output.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** Output kept per stream; a run prints far less, this only bounds a runaway. */
const MAX_OUTPUT = 4 * 1024 * 1024;

export interface Exit {
  readonly code: number | null;
  readonly signal: string | null;
}

export interface Proc {
  readonly child: ChildProcess;
  readonly startedAt: number;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<Exit>;
  /** Exit status once exited, else undefined. */
  exit(): Exit | undefined;
  /** Sends a signal if the process still runs. */
  signal(sig: NodeJS.Signals): void;
}

/** Every child still running, so an interrupted campaign can take them down with it. */
const live = new Set<Proc>();

/** Kills every child the campaign started that still runs (the campaign itself is being stopped). */
export function killAll(): void {
  for (const p of live) p.signal('SIGKILL');
}

export function spawnProc(command: string, args: readonly string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Proc {
  const child = spawn(command, args as string[], { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let status: Exit | undefined;
  child.stdout?.on('data', (d: Buffer) => {
    if (out.length < MAX_OUTPUT) out += d.toString('utf8');
  });
  child.stderr?.on('data', (d: Buffer) => {
    if (err.length < MAX_OUTPUT) err += d.toString('utf8');
  });
  const exited = new Promise<Exit>((resolve) => {
    child.once('error', (e) => {
      err += `\nspawn error: ${e.message}\n`;
      status ??= { code: null, signal: 'SPAWN_ERROR' };
      resolve(status);
    });
    // 'close' (not 'exit'): the output pipes are drained by then.
    child.once('close', (code, signal) => {
      status ??= { code, signal };
      resolve(status);
    });
  });
  const proc: Proc = {
    child,
    startedAt: Date.now(),
    stdout: () => out,
    stderr: () => err,
    exited,
    exit: () => status,
    signal: (sig) => {
      if (status === undefined && child.exitCode === null && child.signalCode === null) child.kill(sig);
    },
  };
  live.add(proc);
  void exited.then(() => live.delete(proc));
  return proc;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The signal a bot started by the campaign answers with a Node diagnostic report (see REPORT_ARGS). */
export const REPORT_SIGNAL = 'SIGUSR2';

/**
 * Node flags for a bot the campaign starts: on REPORT_SIGNAL it writes a diagnostic report (JS stack,
 * libuv handles: the timers and sockets that keep it alive) into `dir`, so a hang can be read, not guessed.
 */
export function reportArgs(dir: string): string[] {
  return ['--report-on-signal', `--report-signal=${REPORT_SIGNAL}`, `--report-directory=${dir}`];
}

/** Waits for the exit at most `boundMs`; past it a diagnostic report is asked for, then the process is killed and reported hung. */
export async function waitExit(p: Proc, boundMs: number): Promise<Exit & { hung: boolean; ms: number }> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), boundMs);
  });
  const first = await Promise.race([p.exited, bound]);
  clearTimeout(timer);
  if (first === 'hung') {
    p.signal(REPORT_SIGNAL);
    await Promise.race([p.exited, sleep(3_000)]);
    p.signal('SIGKILL');
    const e = await p.exited;
    return { ...e, hung: true, ms: Date.now() - p.startedAt };
  }
  return { ...first, hung: false, ms: Date.now() - p.startedAt };
}

/** Polls until `pred` holds (true), the process exits or the time is up (false). */
export async function waitUntil(p: Proc | undefined, pred: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 20): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await pred()) return true;
    if ((p !== undefined && p.exit() !== undefined) || Date.now() > until) return false;
    await sleep(everyMs);
  }
}

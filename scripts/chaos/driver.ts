/**
 * What a trial drives: the bot as a child process (the real CLI, compiled), the simulated venues'
 * control surface, the journal file; each step written to the trial folder's trace.log. Stages are
 * recognised from outside, as the bot cannot be asked: an order reaching a venue (the control
 * surface reports each arrival), or a line in the journal.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseJournal } from '../../src/execution/journal';
import type { SimOrderArrival } from '../../src/sim/admin';
import type { SimVenueUrls } from '../../src/venues/sim-connect';
import type { AdminClient } from './admin-client';
import type { ExpectedExit, RunRecord } from './classify';
import type { Trial } from './plan';
import { reportArgs, spawnProc, waitExit, waitUntil, type Proc } from './processes';


/** The simulated venues one slot of the campaign trades on. */
export interface SlotVenues {
  /** The JSON line `npm run venues -- --admin` printed (what --venues takes). */
  readonly line: string;
  readonly urls: SimVenueUrls;
  readonly admin: AdminClient;
}

export interface TrialContext {
  /** The compiled bot: streams/cli/main.js. */
  readonly mainJs: string;
  /** Trial folders go here. */
  readonly workDir: string;
}

export const PAIR = 'BTC-PERP';
export const PAIR_ID = 'chaos_btc';
export const BASE = 'BTC';
export const SYMBOLS = { vest: 'BTC-PERP', paradex: 'BTC-USD-PERP' } as const;
/** Vest mid under Paradex mid by 0.4 %: AOverB (buy Vest, sell Paradex) clears the entry threshold at once. */
export const ENTRY_BASIS = -0.4;
/** Vest over Paradex by 0.3 %: an AOverB position's exit spread is well above its target. */
export const EXIT_BASIS = 0.3;
/** Held between stages: no entry clears the threshold. */
export const QUIET_BASIS = 0;

// Deadlines are generous: the machines are shared, and a starved bot must not read as a broken one.
const START_MS = 60_000;
export const STAGE_MS = 30_000;
/**
 * Documented: a Ctrl-C'd bot finishes what is in flight within execution.shutdown_grace_ms (10 s by
 * default) and exits; past twice that it is a hang.
 */
export const SIGNAL_EXIT_BOUND_MS = 30_000;
export const RESTART_DURATION_S = 3;
/** A run that should end by itself (duration): its bound beyond that (start-up under load included). */
export const END_SLACK_MS = 60_000;

/** execution.max_book_age_ms of CONFIG: a feed lagging the venue's clock by more is stale. */
export const MAX_BOOK_AGE_MS = 2_000;

/** Small size and fast retries, so a trial takes seconds; everything else as shipped. */
export const CONFIG = [
  'bots:',
  `  - id: ${PAIR_ID}`,
  `    pair: ${PAIR}`,
  '    dex_a: vest',
  '    dex_b: paradex',
  '    position_size: 0.001',
  'risk:',
  '  halt_cooldown_sec: 1',
  'execution:',
  '  leg_timeout_ms: 3000',
  '  close_backoff_ms: 100',
  '  cooldown_ms: 300',
  `  max_book_age_ms: ${MAX_BOOK_AGE_MS}`,
  '',
].join('\n');

export interface Layout {
  readonly dir: string;
  readonly journalDir: string;
  readonly journalFile: string;
  readonly runsDir: string;
  readonly configPath: string;
}

/** A running bot and how it must end. */
export interface BotRun {
  readonly proc: Proc;
  readonly label: string;
}

export class TrialDriver {
  readonly runs: RunRecord[] = [];
  readonly procs: Proc[] = [];
  notReached: string | undefined;
  harnessError: string | undefined;
  readonly notes: string[] = [];
  private readonly t0 = Date.now();

  constructor(
    readonly trial: Trial,
    readonly slot: SlotVenues,
    readonly ctx: TrialContext,
    readonly at: Layout,
  ) {}

  /** One line in the trial folder's trace.log: what the campaign did when, to read a bad trial back. */
  trace(what: string): void {
    fs.appendFileSync(path.join(this.at.dir, 'trace.log'), `${String(Date.now() - this.t0).padStart(6)} ms  ${what}\n`);
  }

  args(extra: readonly string[] = [], venues = this.slot.line): string[] {
    return ['sim', '--config', this.at.configPath, '--venues', venues, '--journal-dir', this.at.journalDir, '--runs-dir', this.at.runsDir, ...extra];
  }

  start(label: string, args: readonly string[]): BotRun {
    this.trace(`start ${label} run: ${args.filter((a) => a !== this.slot.line).join(' ')}`);
    const proc = spawnProc(process.execPath, [...reportArgs(this.at.dir), this.ctx.mainJs, ...args], { cwd: this.at.dir, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } });
    this.procs.push(proc);
    return { proc, label };
  }

  async started(run: BotRun): Promise<boolean> {
    const ok = await waitUntil(run.proc, () => run.proc.stdout().includes('BOT_STARTED'), START_MS);
    if (!ok) this.miss(`${run.label} run never reported BOT_STARTED`);
    this.trace(`${run.label} run ${ok ? 'started' : 'did not start'}`);
    return ok;
  }

  /**
   * Waits for the run to end (after `signal`, if given) and records it. A run that never reported
   * BOT_STARTED is killed instead: before its handlers are installed a Ctrl-C ends any Node process
   * by the signal, and that is no finding (the trial is then inconclusive).
   */
  async finish(run: BotRun, expected: ExpectedExit, boundMs: number, signal?: NodeJS.Signals, mustName?: string): Promise<RunRecord> {
    if (signal !== undefined && !run.proc.stdout().includes('BOT_STARTED') && run.proc.exit() === undefined) {
      signal = 'SIGKILL';
      expected = { ...expected, killedWith: 'SIGKILL' };
    }
    const signalledAt = Date.now();
    if (signal !== undefined) {
      this.trace(`${signal} to the ${run.label} run`);
      run.proc.signal(signal);
    }
    const exit = await waitExit(run.proc, boundMs);
    const stopMs = signal === 'SIGINT' && !exit.hung ? Date.now() - signalledAt : undefined;
    this.trace(`${run.label} run ended: ${exit.hung ? 'HUNG, killed (node diagnostic report asked for: report.*.json in the trial folder)' : exit.code !== null ? `exit ${exit.code}` : `signal ${exit.signal}`} after ${exit.ms} ms`);
    const record: RunRecord = {
      label: run.label,
      expected,
      code: exit.code,
      signal: exit.signal,
      hung: exit.hung,
      ms: exit.ms,
      stdout: run.proc.stdout(),
      stderr: run.proc.stderr(),
      ...(mustName !== undefined ? { mustName } : {}),
      ...(stopMs !== undefined ? { stopMs } : {}),
    };
    this.runs.push(record);
    // What the run printed, beside its trace, to read a trial back (it is searched for secrets with the rest).
    fs.writeFileSync(path.join(this.at.dir, `${run.label}.stdout.log`), record.stdout);
    fs.writeFileSync(path.join(this.at.dir, `${run.label}.stderr.log`), record.stderr);
    return record;
  }

  miss(why: string): void {
    // A bot that halted cannot reach any stage: say why, it is usually the finding.
    const halt = [...this.journal()].reverse().find((e) => e.kind === 'halted');
    const full = halt?.kind === 'halted' ? `${why} (the bot halted: ${halt.reason.slice(0, 240)})` : why;
    this.trace(`not reached: ${full}`);
    this.notReached ??= full;
  }

  /** Something worth reading that is not a bad outcome by itself. */
  note(text: string): void {
    this.trace(`note: ${text}`);
    this.notes.push(text);
  }

  /** Every bot this trial started that still runs is killed (the trial itself failed). */
  killLeftovers(): void {
    for (const p of this.procs) p.signal('SIGKILL');
  }

  knob(name: string, ...args: unknown[]): Promise<void> {
    this.trace(`knob ${name}(${args.map((a) => JSON.stringify(a)).join(', ')})`);
    return this.slot.admin.knob(name, ...args);
  }

  basis(pct: number): Promise<void> {
    return this.knob('market.setBasis', BASE, pct);
  }

  /** Journal entries as the file holds them now (a torn line is skipped, as the bot would). */
  journal(): ReturnType<typeof parseJournal>['entries'] {
    try {
      return parseJournal(fs.readFileSync(this.at.journalFile, 'utf8')).entries;
    } catch {
      return [];
    }
  }

  /** Waits for one of `kinds` among the entries after the first `since`; the entry count when seen. */
  async journalEntry(run: BotRun, kinds: readonly string[], since: number, timeoutMs = STAGE_MS): Promise<{ kind: string; count: number } | undefined> {
    let found: { kind: string; count: number } | undefined;
    await waitUntil(
      run.proc,
      () => {
        const entries = this.journal();
        const hit = entries.slice(since).find((e) => kinds.includes(e.kind));
        if (hit) found = { kind: hit.kind, count: entries.length };
        return hit !== undefined;
      },
      timeoutMs,
      25,
    );
    this.trace(found ? `journal: ${found.kind} (entry ${found.count})` : `journal: none of ${kinds.join('/')} within ${timeoutMs} ms`);
    return found;
  }

  /** Waits until the orders arrived after `after` satisfy `pred`. */
  async arrivals(run: BotRun, after: number, pred: (a: readonly SimOrderArrival[]) => boolean, timeoutMs = STAGE_MS): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    const seen: SimOrderArrival[] = [];
    let cursor = after;
    for (;;) {
      if (pred(seen)) {
        this.trace(`orders arrived: ${seen.map((a) => `${a.venue}${a.reduceOnly ? ' reduce-only' : ''}`).join(', ')}`);
        return true;
      }
      const left = until - Date.now();
      if (left <= 0 || run.proc.exit() !== undefined) {
        this.trace(`orders awaited did not arrive (${seen.length} seen)`);
        return false;
      }
      const r = await this.slot.admin.arrivals(cursor, Math.min(left, 500));
      seen.push(...r.arrivals);
      cursor = Math.max(cursor, r.last);
    }
  }
}


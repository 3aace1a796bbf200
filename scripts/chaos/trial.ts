/**
 * One trial, as an operator would live it: the real CLI (`sim --venues … --journal-dir …`) as its own
 * process against simulated venues in another process that outlives it; the fault injected through the
 * venues' control surface or by a signal at the planned stage; a restart on the same venues, journal and
 * keys when the trial killed the bot; then the facts: each run's exit, both venues' positions read with
 * the bot's keys through the real clients, the journal's state, and any key found in any output or file.
 *
 * Stages are recognised from outside, as the bot cannot be asked: an order reaching a venue (the
 * control surface reports each arrival), or a line in the journal.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { deriveState, parseJournal } from '../../src/execution/journal';
import { createSimVenueClients, loadOrCreateSimKeys, SIM_KEYS_FILE, type SimKeys, type SimVenueUrls } from '../../src/venues/sim-connect';
import type { SimOrderArrival } from '../../src/sim/admin';
import type { AdminClient } from './admin-client';
import { journalView, type ExpectedExit, type Holdings, type JournalView, type RunRecord, type TrialFacts } from './classify';
import {
  BAD_CONFIGS,
  BAD_FLAGS,
  BAD_SIM_KEYS,
  BAD_VENUES,
  MISSING_VENUES_FILE,
  TORN_JOURNALS,
  type BadInputTrial,
  type FeedFaultTrial,
  type KillTrial,
  type OrderFaultTrial,
  type Trial,
} from './plan';
import { sleep, spawnProc, waitExit, waitUntil, type Proc } from './processes';
import { containsSecret, hexKeysIn, secretNeedles } from './secrets';

/** The simulated venues one slot of the campaign trades on. */
export interface SlotVenues {
  /** The JSON line `npm run venues -- --admin` printed (what --venues takes). */
  readonly line: string;
  readonly urls: SimVenueUrls;
  readonly admin: AdminClient;
}

export interface TrialContext {
  /** The compiled bot: streams/main.js. */
  readonly mainJs: string;
  /** Trial folders go here. */
  readonly workDir: string;
}

const PAIR = 'BTC-PERP';
const PAIR_ID = 'chaos_btc';
const BASE = 'BTC';
const SYMBOLS = { vest: 'BTC-PERP', paradex: 'BTC-USD-PERP' } as const;
/** Vest mid under Paradex mid by 0.4 %: AOverB (buy Vest, sell Paradex) clears the entry threshold at once. */
const ENTRY_BASIS = -0.4;
/** Vest over Paradex by 0.3 %: an AOverB position's exit spread is well above its target. */
const EXIT_BASIS = 0.3;
/** Held between stages: no entry clears the threshold. */
const QUIET_BASIS = 0;

// Deadlines are generous: the machines are shared, and a starved bot must not read as a broken one.
const START_MS = 60_000;
const STAGE_MS = 30_000;
/** Documented: a Ctrl-C'd bot exits within 5 s; it is a hang past this. */
const SIGNAL_EXIT_BOUND_MS = 15_000;
const RESTART_DURATION_S = 3;
/** A run that should end by itself (duration): its bound beyond that (start-up under load included). */
const END_SLACK_MS = 60_000;

/** Small size and fast retries, so a trial takes seconds; everything else as shipped. */
const CONFIG = [
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
  '',
].join('\n');

interface Layout {
  readonly dir: string;
  readonly journalDir: string;
  readonly journalFile: string;
  readonly runsDir: string;
  readonly configPath: string;
}

/** A running bot and how it must end. */
interface BotRun {
  readonly proc: Proc;
  readonly label: string;
}

class TrialDriver {
  readonly runs: RunRecord[] = [];
  readonly procs: Proc[] = [];
  notReached: string | undefined;
  harnessError: string | undefined;
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
    const proc = spawnProc(process.execPath, [this.ctx.mainJs, ...args], { cwd: this.at.dir, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } });
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
    this.trace(`${run.label} run ended: ${exit.hung ? 'HUNG, killed' : exit.code !== null ? `exit ${exit.code}` : `signal ${exit.signal}`} after ${exit.ms} ms`);
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
    return record;
  }

  miss(why: string): void {
    // A bot that halted cannot reach any stage: say why, it is usually the finding.
    const halt = [...this.journal()].reverse().find((e) => e.kind === 'halted');
    const full = halt?.kind === 'halted' ? `${why} (the bot halted: ${halt.reason.slice(0, 240)})` : why;
    this.trace(`not reached: ${full}`);
    this.notReached ??= full;
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

// ---- kill at a stage --------------------------------------------------------------------------

/** Venue delays that make the kill land before, or after, the venue executes the order. */
async function applyTiming(d: TrialDriver, t: KillTrial): Promise<void> {
  for (const venue of ['paradex', 'vest'] as const) {
    if (t.timing === 'before-exec') await d.knob(`trading.${venue}.delaySettlement`, t.settleMs);
    else await d.knob(`trading.${venue}.delayResponses`, t.answerDelayMs);
  }
}

async function killAtStage(d: TrialDriver, t: KillTrial): Promise<void> {
  const first = d.start('first', d.args());
  if (await d.started(first)) {
    const reached = await reachStage(d, t, first);
    if (!reached) d.miss(`stage ${t.stage} not reached within ${STAGE_MS / 1000} s`);
  }
  const expected: ExpectedExit = t.signal === 'SIGKILL' ? { codes: [0], killedWith: 'SIGKILL' } : { codes: [0] };
  await d.finish(first, expected, t.signal === 'SIGKILL' ? 5_000 : SIGNAL_EXIT_BOUND_MS, t.signal);
  await restart(d);
}

/** Drives the market to the stage and waits for its mark; true when the kill may land now. */
async function reachStage(d: TrialDriver, t: KillTrial, run: BotRun): Promise<boolean> {
  const lag = t.timing === 'after-exec' ? t.killDelayMs : 0;
  switch (t.stage) {
    case 'entry-leg1':
    case 'entry-both': {
      // Both legs leave within a millisecond, so "only leg 1 sent" is made by the other venue refusing
      // its leg: leg 1 is then the only one that can ever execute, and the kill lands on its arrival.
      const leg1 = t.rejectVenue === 'paradex' ? 'vest' : 'paradex';
      await applyTiming(d, t);
      if (t.stage === 'entry-leg1') await d.knob(`trading.${t.rejectVenue}.rejectNextOrders`, 1);
      const after = await d.slot.admin.last();
      await d.basis(ENTRY_BASIS);
      const entries = (a: readonly SimOrderArrival[]) => a.filter((x) => !x.reduceOnly);
      const ok = await d.arrivals(run, after, (a) =>
        t.stage === 'entry-leg1' ? entries(a).some((x) => x.venue === leg1) : new Set(entries(a).map((x) => x.venue)).size === 2,
      );
      if (ok) await sleep(lag);
      return ok;
    }
    case 'open': {
      await d.basis(ENTRY_BASIS);
      const open = await d.journalEntry(run, ['open'], 0);
      if (open) await sleep(t.timing === 'after-exec' ? 500 : 0);
      return open !== undefined;
    }
    case 'closing': {
      await d.basis(ENTRY_BASIS);
      const open = await d.journalEntry(run, ['open'], 0);
      if (!open) return false;
      await applyTiming(d, t);
      const after = await d.slot.admin.last();
      await d.basis(EXIT_BASIS);
      const ok = await d.arrivals(run, after, (a) => a.some((x) => x.reduceOnly));
      if (ok) await sleep(lag);
      return ok;
    }
    case 'unwinding': {
      // One entry leg is refused, so the other is unwound. before-exec: the venue also refuses the
      // first unwind order, so at the kill (on its arrival) the lone leg is still held and the unwind
      // unfinished. after-exec: the unwind executes, its answer is late, the kill lands in between.
      const unwound = t.rejectVenue === 'paradex' ? 'vest' : 'paradex';
      if (t.timing === 'before-exec') await d.knob(`trading.${unwound}.rejectNextClose`);
      else await applyTiming(d, t);
      await d.knob(`trading.${t.rejectVenue}.rejectNextOrders`, 1);
      const after = await d.slot.admin.last();
      await d.basis(ENTRY_BASIS);
      const ok = await d.arrivals(run, after, (a) => a.some((x) => x.reduceOnly));
      if (ok) await sleep(lag);
      return ok;
    }
  }
}

/** The operator's restart: same venues, journal and keys; closes what it finds, then ends by itself. */
async function restart(d: TrialDriver): Promise<void> {
  await d.slot.admin.reset();
  await d.basis(QUIET_BASIS);
  const run = d.start('restart', d.args(['--close-on-exit', '--duration', String(RESTART_DURATION_S)]));
  await d.finish(run, { codes: [0] }, RESTART_DURATION_S * 1000 + END_SLACK_MS);
}

// ---- order faults -------------------------------------------------------------------------------

async function orderFault(d: TrialDriver, t: OrderFaultTrial): Promise<void> {
  const run = d.start('only', d.args(['--close-on-exit']));
  if (await d.started(run)) {
    const knobs: Record<OrderFaultTrial['fault'], [string, ...unknown[]] | undefined> = {
      reject: [`trading.${t.venue}.rejectNextOrders`, 1],
      partial: [`trading.${t.venue}.partialFillNext`, 0.5, 1],
      'timeout-after-exec': [`trading.${t.venue}.timeoutNextOrders`, 1],
      'reject-close': undefined,
    };
    const knob = knobs[t.fault];
    if (knob) await d.knob(...knob);
    await d.basis(ENTRY_BASIS);
    const entered = await d.journalEntry(run, ['open', 'entry_failed', 'exposed'], 0);
    if (!entered) d.miss('no entry concluded');
    if (entered?.kind === 'open') {
      if (t.fault === 'reject-close') await d.knob(`trading.${t.venue}.rejectNextClose`);
      await d.basis(EXIT_BASIS);
      if (!(await d.journalEntry(run, ['closed'], entered.count))) d.miss('the position was not closed on the exit signal');
    } else if (t.fault === 'reject-close' && entered) {
      d.miss(`entry ended ${entered.kind}, so no close to reject`);
    }
    await d.basis(QUIET_BASIS);
  }
  await d.finish(run, { codes: [0] }, SIGNAL_EXIT_BOUND_MS, 'SIGINT');
}

// ---- feed faults --------------------------------------------------------------------------------

async function feedFault(d: TrialDriver, t: FeedFaultTrial): Promise<void> {
  const run = d.start('only', d.args(['--close-on-exit']));
  if (await d.started(run)) {
    let ticks = 0;
    const inject = async (): Promise<void> => {
      ticks++;
      switch (t.fault) {
        case 'drop':
          if (ticks % 4 === 0) await d.knob('feed.dropConnections', t.venue);
          break;
        case 'gap':
          if (t.venue === 'paradex') await d.knob('feed.skipSeq', 1);
          else if (ticks % 5 === 0) await d.knob('feed.pauseFeed', 'vest');
          else if (ticks % 5 === 3) await d.knob('feed.resumeFeed', 'vest');
          break;
        case 'malformed':
          await d.knob('feed.sendMalformed', t.venue, ticks % 2 === 0 ? 'garbage' : 'truncated', 2);
          break;
        case 'lag':
          break;
      }
    };
    if (t.fault === 'lag') await d.knob('feed.delayFrames', t.venue, t.lagMs);
    let injecting = true;
    const injector = (async () => {
      while (injecting) {
        await inject().catch(() => undefined);
        await sleep(400);
      }
    })();
    const slack = t.fault === 'lag' ? t.lagMs : 0;
    await d.basis(ENTRY_BASIS);
    const opened = await d.journalEntry(run, ['open'], 0, STAGE_MS + slack);
    if (!opened) d.miss('no position opened under the feed fault');
    else {
      await d.basis(EXIT_BASIS);
      const closed = await d.journalEntry(run, ['closed'], opened.count, STAGE_MS + slack);
      if (!closed) d.miss('the position was not closed under the feed fault');
      else {
        // A second position, left open for the close on exit.
        await d.basis(ENTRY_BASIS);
        await d.journalEntry(run, ['open'], closed.count, 8_000 + slack);
      }
    }
    injecting = false;
    await injector;
    await d.knob('feed.resumeFeed', t.venue);
  }
  await d.finish(run, { codes: [0] }, SIGNAL_EXIT_BOUND_MS, 'SIGINT');
}

// ---- bad inputs ---------------------------------------------------------------------------------

async function badInput(d: TrialDriver, t: BadInputTrial): Promise<void> {
  const refused: ExpectedExit = { codes: [2] };
  const bound = RESTART_DURATION_S * 1000 + END_SLACK_MS;
  switch (t.input) {
    case 'config-value': {
      const bad = BAD_CONFIGS[t.variant]!;
      fs.writeFileSync(d.at.configPath, bad.yaml);
      await d.finish(d.start('only', d.args(['--duration', String(RESTART_DURATION_S)])), refused, bound, undefined, bad.field);
      return;
    }
    case 'flag': {
      const bad = BAD_FLAGS[t.variant]!;
      await d.finish(d.start('only', d.args([...bad.args, '--duration', String(RESTART_DURATION_S)])), refused, bound, undefined, bad.field);
      return;
    }
    case 'venues-line': {
      const bad = BAD_VENUES[t.variant]!;
      const value = bad.value === MISSING_VENUES_FILE ? path.join(d.at.dir, 'no-such-venues.json') : bad.value;
      await d.finish(d.start('only', d.args(['--duration', String(RESTART_DURATION_S)], value)), refused, bound, undefined, bad.field);
      return;
    }
    case 'sim-keys': {
      const bad = BAD_SIM_KEYS[t.variant]!;
      const keys = loadOrCreateSimKeys(d.at.journalDir);
      const file = path.join(d.at.journalDir, SIM_KEYS_FILE);
      const text = fs.readFileSync(file, 'utf8');
      if (bad.damage === 'json') fs.writeFileSync(file, text.slice(0, Math.floor(text.length * 0.6)));
      else if (bad.damage === 'out-of-range') fs.writeFileSync(file, JSON.stringify({ ...keys, paradex: { ...keys.paradex, privateKey: `0x${'f'.repeat(64)}` } }));
      else fs.writeFileSync(file, JSON.stringify({ ...keys, vest: { primaryKey: keys.vest.primaryKey } }));
      await d.finish(d.start('only', d.args(['--duration', String(RESTART_DURATION_S)])), refused, bound, undefined, bad.field);
      return;
    }
    case 'torn-journal': {
      // The --venues file form, as a user rehearsing would pass it.
      const venuesFile = path.join(d.at.dir, 'venues.json');
      fs.writeFileSync(venuesFile, `${d.slot.line}\n`);
      const first = d.start('first', d.args([], venuesFile));
      if (await d.started(first)) {
        await d.basis(ENTRY_BASIS);
        if (await d.journalEntry(first, ['open'], 0)) await sleep(300);
        else d.miss('no position opened before the kill');
      }
      await d.finish(first, { codes: [0], killedWith: 'SIGKILL' }, 5_000, 'SIGKILL');
      const text = fs.existsSync(d.at.journalFile) ? fs.readFileSync(d.at.journalFile, 'utf8') : '';
      if (TORN_JOURNALS[t.variant] === 'end') {
        fs.appendFileSync(d.at.journalFile, `{"kind":"closing","pair":"${PAIR}","time":${Date.now()},"clientIds":{"long":"ar`);
      } else {
        const lines = text.split('\n');
        lines.splice(Math.max(1, Math.floor(lines.length / 2)), 0, `{"kind":"open","pair":"${PAIR}","time":`);
        fs.writeFileSync(d.at.journalFile, lines.join('\n'));
      }
      await d.slot.admin.reset();
      await d.basis(QUIET_BASIS);
      const second = d.start('restart', d.args(['--close-on-exit', '--duration', String(RESTART_DURATION_S)], venuesFile));
      await d.finish(second, { codes: [0] }, bound);
      return;
    }
  }
}

// ---- the facts ----------------------------------------------------------------------------------

function readKeys(journalDir: string): { keys: SimKeys | undefined; text: string } {
  const file = path.join(journalDir, SIM_KEYS_FILE);
  if (!fs.existsSync(file)) return { keys: undefined, text: '' };
  const text = fs.readFileSync(file, 'utf8');
  try {
    return { keys: loadOrCreateSimKeys(journalDir), text };
  } catch {
    return { keys: undefined, text };
  }
}

async function holdings(urls: SimVenueUrls, keys: SimKeys): Promise<Holdings | { error: string }> {
  const clients = createSimVenueClients(urls, keys);
  try {
    const [vest, paradex] = await Promise.all([clients.vest.positions(), clients.paradex.positions()]);
    const sum = (list: readonly { symbol: string; size: number }[], symbol: string): number =>
      list.filter((p) => p.symbol === symbol).reduce((s, p) => s + p.size, 0);
    return { vest: sum(vest, SYMBOLS.vest), paradex: sum(paradex, SYMBOLS.paradex) };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  } finally {
    await Promise.all([clients.vest.close(), clients.paradex.close()]);
  }
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    // A link (runs/latest) points at a folder walked anyway.
    if (entry.isDirectory()) out.push(...filesUnder(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

async function gatherFacts(d: TrialDriver): Promise<TrialFacts> {
  // Whatever is still queued or held at the venues settles now: the state at rest, orders in flight included.
  for (const venue of ['paradex', 'vest'] as const) await d.knob(`trading.${venue}.releaseAll`);
  await d.slot.admin.reset();
  const { keys, text: keysText } = readKeys(d.at.journalDir);
  const venues = keys === undefined ? undefined : await holdings(d.slot.urls, keys);
  d.trace(`venues: ${venues === undefined ? 'no account' : 'error' in venues ? `unreadable (${venues.error})` : `vest ${venues.vest}, paradex ${venues.paradex}`}`);
  let journal: JournalView | undefined;
  if (fs.existsSync(d.at.journalFile)) {
    const parsed = parseJournal(fs.readFileSync(d.at.journalFile, 'utf8'));
    journal = journalView(deriveState(parsed.entries, PAIR), parsed.corrupt.length);
  }
  const needles = secretNeedles(hexKeysIn(keysText));
  const secrets: string[] = [];
  for (const run of d.runs) {
    if (containsSecret(run.stdout, needles)) secrets.push(`${run.label} run stdout`);
    if (containsSecret(run.stderr, needles)) secrets.push(`${run.label} run stderr`);
  }
  const keysFile = path.join(d.at.journalDir, SIM_KEYS_FILE);
  for (const file of filesUnder(d.at.dir)) {
    if (file === keysFile) continue;
    if (containsSecret(fs.readFileSync(file, 'latin1'), needles)) secrets.push(path.relative(d.at.dir, file));
  }
  return {
    runs: d.runs,
    venues,
    journal,
    secrets,
    ...(d.notReached !== undefined ? { notReached: d.notReached } : {}),
    ...(d.harnessError !== undefined ? { harnessError: d.harnessError } : {}),
  };
}

/** Runs one trial in its own folder under ctx.workDir and returns its facts. */
export async function runTrial(trial: Trial, slot: SlotVenues, ctx: TrialContext): Promise<TrialFacts> {
  const dir = path.join(ctx.workDir, `trial-${String(trial.id).padStart(3, '0')}`);
  const journalDir = path.join(dir, 'journal');
  const at: Layout = {
    dir,
    journalDir,
    journalFile: path.join(journalDir, `${PAIR_ID}.ndjson`),
    runsDir: path.join(dir, 'runs'),
    configPath: path.join(dir, 'config.yaml'),
  };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(at.configPath, CONFIG);
  const d = new TrialDriver(trial, slot, ctx, at);
  try {
    await slot.admin.reset();
    await d.basis(QUIET_BASIS);
    switch (trial.kind) {
      case 'kill':
        await killAtStage(d, trial);
        break;
      case 'order-fault':
        await orderFault(d, trial);
        break;
      case 'feed-fault':
        await feedFault(d, trial);
        break;
      case 'bad-input':
        await badInput(d, trial);
        break;
    }
  } catch (err) {
    d.killLeftovers();
    d.harnessError = err instanceof Error ? err.message : String(err);
    d.trace(`campaign error: ${d.harnessError}`);
  }
  return gatherFacts(d);
}

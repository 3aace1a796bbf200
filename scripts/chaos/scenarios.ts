/**
 * The faults a trial injects, each as one scenario over the driver: a kill (kill -9 or Ctrl-C) at a
 * stage of a trade followed by the operator's restart, an order fault, a feed fault, a bad input.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SimOrderArrival } from '../../src/sim/admin';
import { loadOrCreateSimKeys, SIM_KEYS_FILE } from '../../src/venues/sim-connect';
import type { ExpectedExit } from './classify';
import {
  END_SLACK_MS,
  ENTRY_BASIS,
  EXIT_BASIS,
  MAX_BOOK_AGE_MS,
  PAIR,
  QUIET_BASIS,
  RESTART_DURATION_S,
  SIGNAL_EXIT_BOUND_MS,
  STAGE_MS,
  type BotRun,
  type TrialDriver,
} from './driver';
import {
  BAD_CONFIGS,
  BAD_FLAGS,
  BAD_SIM_KEYS,
  BAD_VENUES,
  MISSING_VENUES_FILE,
  TORN_JOURNALS,
  type BadInputTrial,
  type DiskFullTrial,
  type FeedFaultTrial,
  type KillTrial,
  type OrderFaultTrial,
} from './plan';
import { fillDisk, freeDisk } from './disk';
import { sleep } from './processes';

/**
 * How a stopped run (Ctrl-C, --duration) may end, as documented: 0, or 4 when it reports exposure it
 * left or an operation it could not finish in its grace. What was left is judged at the venues anyway.
 */
const STOPPED: readonly number[] = [0, 4];

/** How long a lagging feed is watched for an entry it must not lead to. */
const LAG_WATCH_MS = 6_000;

/**
 * A stop during which a file could not be written ends with 3 (documented), or 4 when it also left exposure or an
 * operation it could not finish; 0 when nothing needed writing.
 */
const STOPPED_ON_FULL_DISK: readonly number[] = [0, 3, 4];
/** How long the bot trades on the full disk. */
const FULL_DISK_MS = 4_000;


/** Venue delays that make the kill land before, or after, the venue executes the order. */
async function applyTiming(d: TrialDriver, t: KillTrial): Promise<void> {
  for (const venue of ['paradex', 'vest'] as const) {
    if (t.timing === 'before-exec') await d.knob(`trading.${venue}.delaySettlement`, t.settleMs);
    else {
      // Executed at once (not after the venues' default order latency), so the kill lands after execution.
      await d.knob(`trading.${venue}.delaySettlement`, 0);
      await d.knob(`trading.${venue}.delayResponses`, t.answerDelayMs);
    }
  }
}

export async function killAtStage(d: TrialDriver, t: KillTrial): Promise<void> {
  const first = d.start('first', d.args());
  if (await d.started(first)) {
    const reached = await reachStage(d, t, first);
    if (!reached) d.miss(`stage ${t.stage} not reached within ${STAGE_MS / 1000} s`);
  }
  const expected: ExpectedExit = t.signal === 'SIGKILL' ? { codes: STOPPED, killedWith: 'SIGKILL' } : { codes: STOPPED };
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
  await d.finish(run, { codes: STOPPED }, RESTART_DURATION_S * 1000 + END_SLACK_MS);
}


export async function orderFault(d: TrialDriver, t: OrderFaultTrial): Promise<void> {
  const run = d.start('only', d.args(['--close-on-exit']));
  if (await d.started(run)) {
    const knobs: Record<OrderFaultTrial['fault'], [string, ...unknown[]] | undefined> = {
      reject: [`trading.${t.venue}.rejectNextOrders`, 1],
      partial: [`trading.${t.venue}.partialFillNext`, 0.5, 1],
      'timeout-after-exec': [`trading.${t.venue}.timeoutNextOrders`, 1],
      'reject-close': undefined,
      'outage-entry': [`trading.${t.venue}.outage`, t.outageMs ?? 0, true],
      'outage-close': undefined,
    };
    const knob = knobs[t.fault];
    if (knob) await d.knob(...knob);
    await d.basis(ENTRY_BASIS);
    const entered = await d.journalEntry(run, ['open', 'entry_failed', 'exposed'], 0);
    if (!entered) d.miss('no entry concluded');
    if (entered?.kind === 'open') {
      if (t.fault === 'reject-close') await d.knob(`trading.${t.venue}.rejectNextClose`);
      if (t.fault === 'outage-close') await d.knob(`trading.${t.venue}.outage`, t.outageMs ?? 0, true);
      await d.basis(EXIT_BASIS);
      if (!(await d.journalEntry(run, ['closed'], entered.count))) d.miss('the position was not closed on the exit signal');
    } else if ((t.fault === 'reject-close' || t.fault === 'outage-close') && entered) {
      d.miss(`entry ended ${entered.kind}, so no close to ${t.fault === 'reject-close' ? 'reject' : 'hit with an outage'}`);
    }
    await d.basis(QUIET_BASIS);
  }
  await d.finish(run, { codes: STOPPED }, SIGNAL_EXIT_BOUND_MS, 'SIGINT');
}


export async function feedFault(d: TrialDriver, t: FeedFaultTrial): Promise<void> {
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
    if (t.fault === 'lag') {
      await d.knob('feed.delayFrames', t.venue, t.lagMs);
      if (t.lagMs > MAX_BOOK_AGE_MS) {
        // Lagging beyond max_book_age_ms by the venue's clock: the feed is stale, nothing may be decided on it.
        // Until max_book_age_ms has passed, the last frame that came before the lag is still young enough to trade
        // on (by design): the entry signal comes once it is not, so an entry seen now is one on a stale book.
        await sleep(MAX_BOOK_AGE_MS + 500);
        await d.basis(ENTRY_BASIS);
        const entered = await d.journalEntry(run, ['opening'], 0, LAG_WATCH_MS);
        if (entered) d.note(`entered while ${t.venue} frames arrived ${t.lagMs} ms late (beyond max_book_age_ms ${MAX_BOOK_AGE_MS})`);
        // Then the feed catches up, and trading must resume on it.
        await d.knob('feed.delayFrames', t.venue, 0);
        await d.basis(QUIET_BASIS);
      }
    }
    let injecting = true;
    const injector = (async () => {
      while (injecting) {
        await inject().catch(() => undefined);
        await sleep(400);
      }
    })();
    const slack = t.fault === 'lag' && t.lagMs <= MAX_BOOK_AGE_MS ? t.lagMs : 0;
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
  await d.finish(run, { codes: STOPPED }, SIGNAL_EXIT_BOUND_MS, 'SIGINT');
}


export async function badInput(d: TrialDriver, t: BadInputTrial): Promise<void> {
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
      await d.finish(first, { codes: STOPPED, killedWith: 'SIGKILL' }, 5_000, 'SIGKILL');
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
      await d.finish(second, { codes: STOPPED }, bound);
      return;
    }
  }
}



/**
 * The disk holding the journal and the run folder (a small tmpfs, see disk.ts) fills up before an entry signal
 * (no entry may be sent that could not be journaled) or with a position open as the exit signal comes (the close
 * may go through or not; what is held must stay hedged and in the journal). Ctrl-C on the full disk, then the disk
 * is freed and the operator restarts with --close-on-exit.
 */
export async function diskFull(d: TrialDriver, t: DiskFullTrial, disk: string): Promise<void> {
  const first = d.start('first', d.args());
  if (await d.started(first)) {
    if (t.stage === 'open') {
      await d.basis(ENTRY_BASIS);
      const open = await d.journalEntry(first, ['open'], 0);
      if (!open) d.miss('no position opened before the disk filled');
      else {
        d.trace(`disk full: ${fillDisk(disk)} bytes of filler`);
        await d.basis(EXIT_BASIS);
        await sleep(FULL_DISK_MS);
      }
    } else {
      d.trace(`disk full: ${fillDisk(disk)} bytes of filler`);
      await d.basis(ENTRY_BASIS);
      await sleep(FULL_DISK_MS);
    }
    await d.basis(QUIET_BASIS);
  }
  await d.finish(first, { codes: STOPPED_ON_FULL_DISK }, SIGNAL_EXIT_BOUND_MS, 'SIGINT');
  freeDisk(disk);
  d.trace('disk freed');
  await restart(d);
}

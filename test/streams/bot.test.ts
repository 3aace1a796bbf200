/**
 * The composed bot stream with injected fakes: feeds are Subjects, the executor is scripted.
 * Real time with short delays (the executor's effects are Promises, which virtual time cannot drive).
 */
import { BehaviorSubject, NEVER, Observable, Subject, lastValueFrom, of, tap, toArray } from 'rxjs';
import {
  arbitrageBot,
  type BotDeps,
  type BotSettings,
  type LateFillCredits,
  type OpenedPosition,
  type PairExecutor,
  type PairSettings,
  type RestoreReport,
} from '../../streams/bot';
import { bookFromLevels, type OrderBook } from '../../src/domain/order-book';
import { events as ev, type TradingEvent } from '../../src/domain/events';
import type { SpreadOpportunity, VenueId } from '../../src/domain/market';
import type { BookFeed, Venue } from '../../src/venues/venue';

const book = (bid: number, ask: number, size = 1): OrderBook =>
  bookFromLevels([{ price: bid, size }], [{ price: ask, size }], { receivedAt: Date.now() });

class FakeFeed {
  readonly books = new BehaviorSubject<OrderBook | undefined>(undefined);
  subscribed = 0;
  unsubscribed = 0;
  feed(): BookFeed {
    const source = this.books;
    const book$ = new Observable<OrderBook>((sub) => {
      this.subscribed++;
      const s = source.subscribe({ next: (b) => b && sub.next({ ...b, receivedAt: Date.now() }), error: (e: unknown) => sub.error(e) });
      return () => {
        this.unsubscribed++;
        s.unsubscribe();
      };
    });
    return {
      book$,
      events$: NEVER,
      stats: { frames: 0, bytes: 0, decodeErrors: 0, resyncs: 0, reconnects: 0, lastUpdateAt: 0, stale: false },
    };
  }
}

function fakeVenue(id: VenueId, feed: FakeFeed): Venue {
  const unused = () => Promise.reject(new Error('not used by the stream'));
  return {
    id,
    symbolFor: (p) => p,
    market: unused,
    bookFeed: () => feed.feed(),
    prepareOrder: unused,
    submitOrder: unused,
    placeOrder: unused,
    orderByClientId: unused,
    positions: unused,
    availableMarginUsd: unused,
    close: () => Promise.resolve(),
  };
}

interface Script {
  restore?: OpenedPosition;
  openFails?: string;
  /** Events a failed open reports (its fills, its unwind). */
  openFailEvents?: () => TradingEvent[];
  openThrows?: boolean;
  closeResults?: { ok: boolean; reason?: string }[];
  /** Gross PnL each successful close reports (default 1.5). */
  closeGrossUsd?: number;
  /** Give the executor a refreshPreparedClose, as the real one has. */
  refreshes?: boolean;
  halted?: boolean;
  /** What successive restore() calls answer (the last one repeats); overrides `restore`. */
  restoreResults?: RestoreReport[];
  /** What successive settleLateFills() calls answer (then nothing); gives the executor that method. */
  lateFills?: LateFillCredits[];
  /** Restore only this pair's position (multi-pair tests). */
  restorePair?: string;
  /** Opened positions carry their open time (as the real executor's do). */
  stampOpenedAt?: boolean;
  /** Give the executor haltUntilResumed (journals the loss-limit halt), recording the reasons. */
  haltsUntilResumed?: string[];
  /** Give the executor a loss budget on record (earlier runs), recording what the limit journals. */
  lossBook?: { netUsd: number; since?: number; recorded: Array<[string, number]> };
}

function fakeExecutor(script: Script) {
  const calls = { open: [] as SpreadOpportunity[], close: 0, restore: 0 };
  const closeResults = [...(script.closeResults ?? [{ ok: true }])];
  const restoreResults = [...(script.restoreResults ?? [])];
  const lateFills = [...(script.lateFills ?? [])];
  const ex: PairExecutor = {
    async openPosition(opp) {
      calls.open.push(opp);
      await new Promise((r) => setTimeout(r, 5));
      if (script.openThrows) throw new Error('venue exploded');
      if (script.openFails) return { ok: false, reason: script.openFails, events: script.openFailEvents?.() ?? [] };
      return {
        ok: true,
        position: { pair: opp.pair, direction: opp.direction, entrySpread: opp.spread, size: 0.01, ...(script.stampOpenedAt ? { openedAt: Date.now() } : {}) },
        events: [ev.orderFilled(Date.now(), { pair: opp.pair, venue: 'vest', clientId: 'c1', filledSize: 0.01, avgPrice: 100, feeUsd: 0.01, latencyMs: 1 })],
      };
    },
    async closePosition() {
      calls.close++;
      await new Promise((r) => setTimeout(r, 5));
      const r = closeResults.shift() ?? { ok: true };
      return { ...r, grossPnlUsd: r.ok ? (script.closeGrossUsd ?? 1.5) : undefined, feesUsd: r.ok ? 0.25 : undefined, events: [] };
    },
    async restore() {
      calls.restore++;
      if (restoreResults.length > 0) return restoreResults.length > 1 ? restoreResults.shift()! : restoreResults[0]!;
      return script.restore ? { position: script.restore, events: [] } : { events: [] };
    },
    isHalted: () => script.halted === true,
    ...(script.haltsUntilResumed
      ? {
          haltUntilResumed: (reason: string) => {
            script.haltsUntilResumed!.push(reason);
            return [ev.tradingHalted(Date.now(), { pair: 'BTC-PERP', reason })];
          },
        }
      : {}),
    ...(script.lossBook
      ? {
          lossOnRecord: () => ({ netUsd: script.lossBook!.netUsd, ...(script.lossBook!.since !== undefined ? { since: script.lossBook!.since } : {}) }),
          recordRealised: (event: string, deltaUsd: number) => void script.lossBook!.recorded.push([event, deltaUsd]),
        }
      : {}),
    ...(script.refreshes ? { refreshPreparedClose: () => Promise.resolve(true) } : {}),
    ...(script.lateFills ? { settleLateFills: () => Promise.resolve(lateFills.shift() ?? { events: [], creditedPnlUsd: 0, creditedFeesUsd: 0 }) } : {}),
  };
  return { ex, calls };
}

const pairSettings = (over: Partial<PairSettings> = {}): PairSettings => ({
  id: 'btc',
  pair: 'BTC-PERP',
  dexA: 'vest',
  dexB: 'paradex',
  spreadEntry: 0.1,
  spreadExit: -0.02,
  positionSize: 0.01,
  entryConfirmTicks: 1,
  sampleMs: 0,
  cooldownMs: 10,
  ...over,
});

const botSettings = (pairs: PairSettings[], over: Partial<BotSettings> = {}): BotSettings => ({
  mode: 'sim',
  pairs,
  closeOnExit: false,
  spreadSampleMs: 20,
  logEvery: 1000,
  shutdownGraceMs: 500,
  ...over,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const types = (log: TradingEvent[]) => log.filter((e) => e.type !== 'SPREAD_MONITORING').map((e) => e.type);

function harness(
  script: Script,
  settingsOver: Partial<BotSettings> = {},
  pairs = [pairSettings()],
  onEvent: (e: TradingEvent, shutdown$: Subject<void>) => void = () => undefined,
  extraDeps: Pick<BotDeps, 'fundingFor'> = {},
) {
  const feeds = { vest: new FakeFeed(), paradex: new FakeFeed() };
  const shutdown$ = new Subject<void>();
  const closeNow$ = new Subject<string>();
  const executors = new Map<string, ReturnType<typeof fakeExecutor>>();
  const bot$ = arbitrageBot(
    {
      venues: { vest: fakeVenue('vest', feeds.vest), paradex: fakeVenue('paradex', feeds.paradex) },
      executorFor: (p) => {
        const f = fakeExecutor(script.restorePair === undefined || script.restorePair === p.pair ? script : { ...script, restore: undefined });
        executors.set(p.id, f);
        return f.ex;
      },
      feesFor: () => ({ a: 0.0001, b: 0.0002 }),
      shutdown$,
      closeNow$,
      ...extraDeps,
    },
    botSettings(pairs, settingsOver),
  );
  const log: TradingEvent[] = [];
  /** Events as they happen, so tests wait for what they expect instead of sleeping a fixed time. */
  const live: TradingEvent[] = [];
  const done = lastValueFrom(
    bot$.pipe(
      tap((e) => {
        live.push(e);
        onEvent(e, shutdown$);
      }),
      toArray(),
    ),
  ).then((all) => {
    log.push(...all);
    return all;
  });
  const count = (type: TradingEvent['type']) => live.filter((e) => e.type === type).length;
  /** Resolves once `type` has been seen `n` times in total; fails the test after a generous deadline. */
  const until = async (type: TradingEvent['type'], n = 1, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (count(type) < n) {
      if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${n}× ${type}; saw ${live.map((e) => e.type).join(',')}`);
      await sleep(5);
    }
  };
  /**
   * Call right after pushing books: waits for the spread sample of that update, which comes after the
   * entry logic has seen the tick (sampleTime emits only for windows with a new update).
   */
  const settle = () => until('SPREAD_MONITORING', count('SPREAD_MONITORING') + 1);
  return { feeds, shutdown$, closeNow$, executors, done, log, until, settle };
}

describe('arbitrageBot', () => {
  it('opens on a spread, watches the exit spread, closes on convergence and watches again', async () => {
    const h = harness({});
    // Vest ask 100, Paradex bid 100.5: AOverB entry 0.5 % gross, well above 0.1 % + fees.
    h.feeds.vest.books.next(book(99.9, 100));
    h.feeds.paradex.books.next(book(100.5, 100.6));
    await h.until('POSITION_OPENED');
    await h.until('SPREAD_MONITORING');
    // Converge: exit AOverB = (bidA − askB)/askB = (100.3 − 100.31)/100.31 ≈ −0.01 % ≥ −0.02 %.
    h.feeds.vest.books.next(book(100.3, 100.4));
    h.feeds.paradex.books.next(book(100.3, 100.31));
    await h.until('EXIT_MONITOR_STOPPED');
    h.shutdown$.next();
    const all = await h.done;
    const t = types(all);
    expect(t[0]).toBe('BOT_STARTED');
    expect(t.slice(1, 7)).toEqual(['SPREAD_DETECTED', 'ORDER_FILLED', 'POSITION_OPENED', 'TRADE_EXIT', 'POSITION_CLOSED', 'EXIT_MONITOR_STOPPED']);
    expect(t[t.length - 1]).toBe('BOT_SHUTDOWN');
    const closed = all.find((e) => e.type === 'POSITION_CLOSED');
    expect(closed).toMatchObject({ grossPnlUsd: 1.5, feesUsd: 0.25 });
    expect(h.executors.get('btc')!.calls.close).toBe(1);
    expect(all.some((e) => e.type === 'SPREAD_MONITORING')).toBe(true);
  });

  it('samples both directions gross and net of fees, and marks the open position to the books', async () => {
    const restore: OpenedPosition = {
      pair: 'BTC-PERP',
      direction: 'AOverB',
      entrySpread: 0.5,
      size: 0.01,
      longEntryPrice: 100,
      shortEntryPrice: 100.5,
    };
    const h = harness({ restore });
    // Not yet converged (exit AOverB = (100.2 − 100.6)/100.6 ≈ −0.4 % < −0.02 %): the position stays open.
    h.feeds.vest.books.next(book(100.2, 100.3));
    h.feeds.paradex.books.next(book(100.5, 100.6));
    await h.until('POSITION_OPENED');
    await h.settle();
    h.shutdown$.next();
    const all = await h.done;
    const sample = all.filter((e) => e.type === 'SPREAD_MONITORING').at(-1);
    // AOverB gross = (100.5 − 100.3)/100.3; fees 2·(0.01 % + 0.02 %) = 0.06 % of notional.
    const gross = ((100.5 - 100.3) / 100.3) * 100;
    expect(sample).toMatchObject({ entryAOverB: expect.closeTo(gross, 9), netEntryAOverB: expect.closeTo(gross - 0.06, 9) });
    // Long Vest sells at 100.2, short Paradex buys back at 100.6: 0.01·(0.2) + 0.01·(100.5 − 100.6) = 0.001.
    const exitFees = 0.01 * 100.2 * 0.0001 + 0.01 * 100.6 * 0.0002;
    expect(sample).toMatchObject({
      position: {
        direction: 'AOverB',
        longExitPrice: 100.2,
        shortExitPrice: 100.6,
        grossUsd: expect.closeTo(0.001, 12),
        exitFeesUsd: expect.closeTo(exitFees, 12),
        netUsd: expect.closeTo(0.001 - exitFees, 12),
      },
    });
  });

  it('nets fees before entering: a gross spread that fees eat does not trade', async () => {
    const h = harness({});
    // Gross AOverB = 0.12 %; round-trip fees 2*(0.01+0.02) = 0.06 % -> net 0.06 % < 0.1 %.
    h.feeds.vest.books.next(book(99.9, 100));
    h.feeds.paradex.books.next(book(100.12, 100.2));
    await h.settle();
    h.shutdown$.next();
    const all = await h.done;
    expect(types(all)).not.toContain('SPREAD_DETECTED');
    expect(h.executors.get('btc')!.calls.open).toHaveLength(0);
  });

  it('turns a failed or throwing open into events and keeps running', async () => {
    const h = harness({ openThrows: true });
    h.feeds.vest.books.next(book(99.9, 100));
    h.feeds.paradex.books.next(book(100.5, 100.6));
    await h.until('TRADE_FAILED');
    await sleep(20); // the 10 ms cooldown
    // A fresh update after the cooldown signals again.
    h.feeds.paradex.books.next(book(100.5, 100.6, 2));
    await h.until('TRADE_FAILED', 2);
    h.shutdown$.next();
    const all = await h.done;
    const failed = all.filter((e) => e.type === 'TRADE_FAILED');
    expect(failed.length).toBeGreaterThanOrEqual(1);
    expect(failed[0]).toMatchObject({ reason: expect.stringContaining('venue exploded') });
    // Still watching after the failure: more than one attempt over the run (cooldown 10 ms).
    expect(h.executors.get('btc')!.calls.open.length).toBeGreaterThan(1);
    expect(types(all).at(-1)).toBe('BOT_SHUTDOWN');
  });

  it('sends a restored position straight to the exit monitor', async () => {
    const restore: OpenedPosition = { pair: 'BTC-PERP', direction: 'BOverA', entrySpread: 0.3, size: 0.01 };
    const h = harness({ restore });
    // No entry opportunity; exit BOverA = (bidB − askA)/askA = (100 − 100.01)/100.01 ≈ −0.01 % ≥ −0.02 %.
    h.feeds.vest.books.next(book(99.95, 100.01));
    h.feeds.paradex.books.next(book(100, 100.05));
    await h.until('EXIT_MONITOR_STOPPED');
    h.shutdown$.next();
    const all = await h.done;
    const t = types(all);
    expect(t.slice(1, 5)).toEqual(['POSITION_OPENED', 'TRADE_EXIT', 'POSITION_CLOSED', 'EXIT_MONITOR_STOPPED']);
    expect(all.find((e) => e.type === 'POSITION_OPENED')).toMatchObject({ restored: true, direction: 'BOverA' });
    expect(h.executors.get('btc')!.calls.open).toHaveLength(0);
  });

  it('on shutdown leaves an open position open, without closing it', async () => {
    const h = harness({});
    h.feeds.vest.books.next(book(99.9, 100));
    h.feeds.paradex.books.next(book(100.5, 100.6));
    await h.until('POSITION_OPENED');
    h.shutdown$.next();
    const all = await h.done;
    expect(all.find((e) => e.type === 'EXIT_MONITOR_STOPPED')).toMatchObject({ reason: 'shutdown' });
    expect(types(all)).not.toContain('POSITION_CLOSED');
    expect(h.executors.get('btc')!.calls.close).toBe(0);
    // Feeds were torn down.
    expect(h.feeds.vest.unsubscribed).toBe(h.feeds.vest.subscribed);
  });

  it('with closeOnExit closes the open position on shutdown', async () => {
    const h = harness({}, { closeOnExit: true });
    h.feeds.vest.books.next(book(99.9, 100));
    h.feeds.paradex.books.next(book(100.5, 100.6));
    await h.until('POSITION_OPENED');
    h.shutdown$.next();
    const all = await h.done;
    const t = types(all);
    expect(t).toContain('POSITION_CLOSED');
    expect(t.indexOf('EXIT_MONITOR_STOPPED')).toBeLessThan(t.indexOf('POSITION_CLOSED'));
    expect(h.executors.get('btc')!.calls.close).toBe(1);
  });

  it('with closeOnExit closes a position whose open completes just as the shutdown arrives', async () => {
    // Stop synchronously while POSITION_OPENED is being delivered, as an operator's Ctrl-C may land.
    const h = harness({ refreshes: true }, { closeOnExit: true }, [pairSettings()], (e, shutdown$) => {
      if (e.type === 'POSITION_OPENED') shutdown$.next();
    });
    h.feeds.vest.books.next(book(99.9, 100));
    h.feeds.paradex.books.next(book(100.5, 100.6));
    const all = await h.done;
    const t = types(all);
    expect(t.slice(t.indexOf('POSITION_OPENED'))).toEqual(['POSITION_OPENED', 'EXIT_MONITOR_STOPPED', 'POSITION_CLOSED', 'BOT_SHUTDOWN']);
    expect(h.executors.get('btc')!.calls.close).toBe(1);
  });

  it('closes the monitored position at once on an operator flatten, whatever the spread, and keeps running', async () => {
    const h = harness({});
    h.feeds.vest.books.next(book(99.9, 100));
    h.feeds.paradex.books.next(book(100.5, 100.6));
    await h.until('POSITION_OPENED');
    h.closeNow$.next('ETH-PERP'); // another pair's request closes nothing here
    await sleep(30);
    expect(h.executors.get('btc')!.calls.close).toBe(0);
    h.closeNow$.next('BTC-PERP');
    await h.until('POSITION_CLOSED');
    expect(h.log.length).toBe(0);
    h.shutdown$.next();
    const all = await h.done;
    const t = types(all);
    expect(t.slice(t.indexOf('POSITION_OPENED'), t.indexOf('POSITION_CLOSED') + 1)).toEqual(['POSITION_OPENED', 'EXIT_MONITOR_STOPPED', 'POSITION_CLOSED']);
    // The watch was ended by the operator, not by a shutdown of the bot: the tail says so.
    expect(all.find((e) => e.type === 'EXIT_MONITOR_STOPPED')).toMatchObject({ reason: 'flatten' });
    expect(all.find((e) => e.type === 'POSITION_CLOSED')).toMatchObject({ reason: 'flatten', grossPnlUsd: 1.5, feesUsd: 0.25 });
    expect(h.executors.get('btc')!.calls.close).toBe(1);
  });

  it('after a failed flatten close, the position is monitored again and closed by the next request', async () => {
    const h = harness({ closeResults: [{ ok: false, reason: 'venue down' }, { ok: true }] });
    h.feeds.vest.books.next(book(99.9, 100));
    h.feeds.paradex.books.next(book(100.5, 100.6));
    await h.until('POSITION_OPENED');
    h.closeNow$.next('BTC-PERP');
    await h.until('CLOSE_FAILED');
    await h.until('EXIT_MONITOR_STOPPED', 1);
    await sleep(20);
    expect(h.executors.get('btc')!.calls.close).toBe(1);
    h.closeNow$.next('BTC-PERP');
    await h.until('POSITION_CLOSED');
    h.shutdown$.next();
    const all = await h.done;
    expect(all.find((e) => e.type === 'CLOSE_FAILED')).toMatchObject({ reason: 'venue down' });
    expect(all.filter((e) => e.type === 'EXIT_MONITOR_STOPPED')).toHaveLength(2);
    expect(all.find((e) => e.type === 'POSITION_CLOSED')).toMatchObject({ reason: 'flatten' });
    expect(h.executors.get('btc')!.calls.close).toBe(2);
  });

  it('keeps monitoring after a failed close and closes on a later tick', async () => {
    const h = harness({ closeResults: [{ ok: false, reason: 'leg rejected' }, { ok: true }] });
    h.feeds.vest.books.next(book(99.9, 100));
    h.feeds.paradex.books.next(book(100.5, 100.6));
    await h.until('POSITION_OPENED');
    h.feeds.vest.books.next(book(100.3, 100.4));
    h.feeds.paradex.books.next(book(100.3, 100.31));
    await h.until('CLOSE_FAILED');
    h.feeds.paradex.books.next(book(100.3, 100.31, 2));
    await h.until('POSITION_CLOSED');
    h.shutdown$.next();
    const all = await h.done;
    const t = types(all);
    expect(t).toContain('CLOSE_FAILED');
    expect(t.indexOf('CLOSE_FAILED')).toBeLessThan(t.indexOf('POSITION_CLOSED'));
    expect(h.executors.get('btc')!.calls.close).toBe(2);
  });

  it('ignores entry spreads above spread_entry_max as suspect quotes', async () => {
    const h = harness({}, {}, [pairSettings({ spreadEntryMax: 0.3 })]);
    // Gross AOverB entry 0.5 % > 0.3 %: too good to be true.
    h.feeds.vest.books.next(book(99.9, 100));
    h.feeds.paradex.books.next(book(100.5, 100.6));
    await h.settle();
    // 0.25 % gross: real opportunity (net 0.19 % >= 0.1 %).
    h.feeds.paradex.books.next(book(100.25, 100.6));
    await h.until('POSITION_OPENED');
    h.shutdown$.next();
    await h.done;
    const opens = h.executors.get('btc')!.calls.open;
    expect(opens).toHaveLength(1);
    expect(opens[0]!.spread).toBeCloseTo(0.25, 6);
  });

  it('does not try to open while the executor is halted', async () => {
    const h = harness({ halted: true });
    h.feeds.vest.books.next(book(99.9, 100));
    h.feeds.paradex.books.next(book(100.5, 100.6));
    await h.settle();
    h.shutdown$.next();
    await h.done;
    expect(h.executors.get('btc')!.calls.open).toHaveLength(0);
  });

  it('stops entering once the realised loss reaches the limit', async () => {
    const h = harness({ closeGrossUsd: -2 }, { maxLossUsd: 1 });
    h.feeds.vest.books.next(book(99.9, 100));
    h.feeds.paradex.books.next(book(100.5, 100.6));
    await h.until('POSITION_OPENED');
    h.feeds.vest.books.next(book(100.3, 100.4));
    h.feeds.paradex.books.next(book(100.3, 100.31));
    await h.until('TRADING_HALTED');
    await sleep(20); // past the 10 ms cooldown
    // The spread opens again: a second entry would follow here without the halt.
    h.feeds.vest.books.next(book(99.9, 100));
    h.feeds.paradex.books.next(book(100.5, 100.6));
    await h.settle();
    h.shutdown$.next();
    const all = await h.done;
    // The first round trip lost 2.01 USD net (>= 1 USD limit): halted, so no second open.
    expect(h.executors.get('btc')!.calls.open).toHaveLength(1);
    expect(all.find((e) => e.type === 'TRADING_HALTED')).toMatchObject({ reason: expect.stringContaining('max loss') });
  });

  it('stops entering once failed entries alone (their fees and unwound legs’ price loss) reach the limit', async () => {
    // Each failed entry: the filled leg's entry fee and unwind fee (0.05 each), and 0.4 lost selling it back.
    const failed = () => [
      ev.orderFilled(Date.now(), { pair: 'BTC-PERP', venue: 'vest', clientId: 'e1', filledSize: 0.01, avgPrice: 100, feeUsd: 0.05, latencyMs: 1 }),
      ev.orderFilled(Date.now(), { pair: 'BTC-PERP', venue: 'vest', clientId: 'u1', filledSize: 0.01, avgPrice: 60, feeUsd: 0.05, latencyMs: 1 }),
      ev.legUnwound(Date.now(), { pair: 'BTC-PERP', venue: 'vest', size: 0.01, ok: true, reason: 'unwound', grossPnlUsd: -0.4 }),
    ];
    const journalled: string[] = [];
    const h = harness({ openFails: 'paradex rejected', openFailEvents: failed, haltsUntilResumed: journalled }, { maxLossUsd: 1 });
    for (let i = 0; i < 6 && journalled.length === 0; i++) {
      h.feeds.vest.books.next(book(99.9, 100));
      h.feeds.paradex.books.next(book(100.5, 100.6 + i / 1000));
      await sleep(30); // the open (5 ms) and the 10 ms cooldown
    }
    // The spread stays open: a third entry would follow here without the halt.
    h.feeds.vest.books.next(book(99.9, 100));
    h.feeds.paradex.books.next(book(100.5, 100.61));
    await h.settle();
    h.shutdown$.next();
    const all = await h.done;
    // −0.5 a failed entry: the second reaches −1.0, and no third entry is tried.
    expect(journalled).toEqual(['max loss reached: realised net -1.00 USD <= -1 USD']);
    expect(h.executors.get('btc')!.calls.open).toHaveLength(2);
    // The halt follows the event that reached the limit, in the run's log.
    const unwinds = all.flatMap((e, i) => (e.type === 'LEG_UNWOUND' ? [i] : []));
    expect(all.findIndex((e) => e.type === 'TRADING_HALTED')).toBeGreaterThan(unwinds[1]!);
  });

  it('has the executor journal the loss-limit halt (so a restart keeps it), and says it once', async () => {
    const journalled: string[] = [];
    const h = harness({ closeGrossUsd: -2, haltsUntilResumed: journalled }, { maxLossUsd: 1 });
    h.feeds.vest.books.next(book(99.9, 100));
    h.feeds.paradex.books.next(book(100.5, 100.6));
    await h.until('POSITION_OPENED');
    h.feeds.vest.books.next(book(100.3, 100.4));
    h.feeds.paradex.books.next(book(100.3, 100.31));
    await h.until('TRADING_HALTED');
    h.shutdown$.next();
    const all = await h.done;
    // As the summary counts it: the entry's fill fee (0.01, its ORDER_FILLED) and the close's gross (−2); this
    // fake close reports no fills of its own.
    expect(journalled).toEqual(['max loss reached: realised net -2.01 USD <= -1 USD']);
    expect(all.filter((e) => e.type === 'TRADING_HALTED')).toEqual([expect.objectContaining({ reason: journalled[0] })]);
  });

  it('starts from the loss budget the journal holds: a restart after losing 1.5 of 2 halts at the first losing trip, saying so', async () => {
    const journalled: string[] = [];
    const lossBook = { netUsd: -1.5, since: 1_000, recorded: [] as Array<[string, number]> };
    const h = harness({ closeGrossUsd: -0.6, haltsUntilResumed: journalled, lossBook }, { maxLossUsd: 2 });
    h.feeds.vest.books.next(book(99.9, 100));
    h.feeds.paradex.books.next(book(100.5, 100.6));
    await h.until('POSITION_OPENED');
    h.feeds.vest.books.next(book(100.3, 100.4));
    h.feeds.paradex.books.next(book(100.3, 100.31));
    await h.until('TRADING_HALTED');
    h.shutdown$.next();
    await h.done;
    // A fresh budget (2 USD) would not halt on a 0.61 loss; the journal's (1.5 spent) does.
    expect(journalled).toEqual(['max loss reached: realised net -2.11 USD (earlier runs -1.50 USD, this run -0.61 USD) <= -2 USD']);
    // What it counted went to the journal, event by event.
    expect(lossBook.recorded).toEqual([
      ['ORDER_FILLED', -0.01],
      ['POSITION_CLOSED', -0.6],
    ]);
  });

  it('halts at start, before any entry, when the journal’s loss budget is already spent', async () => {
    const journalled: string[] = [];
    const h = harness({ haltsUntilResumed: journalled, lossBook: { netUsd: -2.5, recorded: [] } }, { maxLossUsd: 2 });
    await h.until('TRADING_HALTED');
    h.feeds.vest.books.next(book(99.9, 100));
    h.feeds.paradex.books.next(book(100.5, 100.6));
    await h.settle();
    h.shutdown$.next();
    await h.done;
    expect(journalled).toEqual(['max loss reached: realised net -2.50 USD (earlier runs -2.50 USD, this run 0.00 USD) <= -2 USD']);
    expect(h.executors.get('btc')!.calls.open).toHaveLength(0);
  });

  it('runs every configured pair at once', async () => {
    const h = harness({}, {}, [pairSettings({ id: 'btc', pair: 'BTC-PERP' }), pairSettings({ id: 'eth', pair: 'ETH-PERP' })]);
    h.feeds.vest.books.next(book(99.9, 100));
    h.feeds.paradex.books.next(book(100.5, 100.6));
    await h.until('POSITION_OPENED', 2);
    h.shutdown$.next();
    const all = await h.done;
    const opened = all.filter((e) => e.type === 'POSITION_OPENED').map((e) => (e as { pair: string }).pair);
    expect(opened.sort()).toEqual(['BTC-PERP', 'ETH-PERP']);
  });

  it('ends by itself right after shutdown when nothing is in flight', async () => {
    const h = harness({});
    const started = Date.now();
    h.shutdown$.next();
    const all = await h.done;
    expect(types(all)).toEqual(['BOT_STARTED', 'BOT_SHUTDOWN']);
    expect(Date.now() - started).toBeLessThan(400);
  });

  it('while a venue cannot be read at start, restores again after the delay the executor gives, then trades', async () => {
    const halted = (n: number) => ev.tradingHalted(Date.now(), { pair: 'BTC-PERP', reason: `cannot reconcile: positions unreadable; retrying in 20 ms (attempt ${n})` });
    const position: OpenedPosition = { pair: 'BTC-PERP', direction: 'AOverB', entrySpread: 0.3, size: 0.01 };
    const h = harness({
      restoreResults: [
        { retryInMs: 20, events: [halted(1)] },
        { retryInMs: 20, events: [halted(2)] },
        { position, events: [ev.tradingResumed(Date.now(), { pair: 'BTC-PERP' })] },
      ],
    });
    await h.until('POSITION_OPENED');
    h.shutdown$.next();
    const all = await h.done;
    expect(types(all).slice(0, 5)).toEqual(['BOT_STARTED', 'TRADING_HALTED', 'TRADING_HALTED', 'TRADING_RESUMED', 'POSITION_OPENED']);
    expect(h.executors.get('btc')!.calls.restore).toBe(3);
    expect(all.find((e) => e.type === 'POSITION_OPENED')).toMatchObject({ restored: true });
  });

  it('stops retrying the start-up reconciliation on shutdown when nothing was left unfinished', async () => {
    const h = harness({ restoreResults: [{ retryInMs: 60_000, events: [] }] });
    await sleep(20);
    const started = Date.now();
    h.shutdown$.next();
    await h.done;
    expect(Date.now() - started).toBeLessThan(400);
    expect(h.executors.get('btc')!.calls.restore).toBe(1);
  });

  it('keeps waiting on an order of its own still live at a venue after shutdown, then closes what it finished (closeOnExit)', async () => {
    const position: OpenedPosition = { pair: 'BTC-PERP', direction: 'AOverB', entrySpread: 0.3, size: 0.01 };
    const live = ev.tradingHalted(Date.now(), { pair: 'BTC-PERP', reason: 'cannot reconcile the journal with the venues yet: paradex order c2 is still live' });
    const h = harness(
      {
        restoreResults: [
          { retryInMs: 40, unfinished: true, events: [live] },
          { retryInMs: 40, unfinished: true, events: [] },
          { retryInMs: 40, unfinished: true, events: [] },
          { position, events: [ev.tradingResumed(Date.now(), { pair: 'BTC-PERP' })] },
        ],
      },
      { closeOnExit: true, shutdownGraceMs: 2_000 },
    );
    await h.until('TRADING_HALTED');
    // The stop comes while the order is still live: the bot must not leave the entry half done.
    h.shutdown$.next();
    const all = await h.done;
    expect(h.executors.get('btc')!.calls.restore).toBe(4);
    expect(types(all)).toEqual(['BOT_STARTED', 'TRADING_HALTED', 'TRADING_RESUMED', 'POSITION_OPENED', 'EXIT_MONITOR_STOPPED', 'POSITION_CLOSED', 'BOT_SHUTDOWN']);
    expect(all.find((e) => e.type === 'POSITION_CLOSED')).toMatchObject({ reason: 'close_on_exit' });
    expect(h.executors.get('btc')!.calls.close).toBe(1);
  });

  it('gives up waiting on a live order when the shutdown grace runs out (the journal keeps the entry for the next start)', async () => {
    const h = harness({ restoreResults: [{ retryInMs: 30, unfinished: true, events: [] }] }, { closeOnExit: true, shutdownGraceMs: 300 });
    await sleep(20);
    const started = Date.now();
    h.shutdown$.next();
    await h.done;
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(1_500);
    expect(h.executors.get('btc')!.calls.restore).toBeGreaterThan(3);
    expect(h.executors.get('btc')!.calls.close).toBe(0);
  });

  it('reports a trade the restore found closed as a round trip, counted in the loss limit', async () => {
    const position: OpenedPosition = { pair: 'BTC-PERP', direction: 'AOverB', entrySpread: 0.3, size: 0.01 };
    const h = harness({ restoreResults: [{ closedTrade: { position, grossPnlUsd: -3, feesUsd: 0.5 }, events: [] }] }, { maxLossUsd: 2 });
    await h.until('TRADING_HALTED');
    h.feeds.vest.books.next(book(99.9, 100));
    h.feeds.paradex.books.next(book(100.5, 100.6));
    await h.settle();
    h.shutdown$.next();
    const all = await h.done;
    expect(types(all).slice(1, 3)).toEqual(['POSITION_OPENED', 'POSITION_CLOSED']);
    expect(all.find((e) => e.type === 'POSITION_CLOSED')).toMatchObject({ grossPnlUsd: -3, feesUsd: 0.5 });
    expect(all.find((e) => e.type === 'TRADING_HALTED')).toMatchObject({ reason: expect.stringContaining('max loss') });
    expect(h.executors.get('btc')!.calls.open).toHaveLength(0);
  });

  it('counts close fills found after their trade closed in the loss limit, and emits them', async () => {
    const credit = ev.fillCredited(Date.now(), {
      pair: 'BTC-PERP',
      venue: 'paradex',
      clientId: 'c9',
      phase: 'close',
      filledSize: 0.01,
      avgPrice: 101,
      feeUsd: 0.3,
      creditedPnlUsd: -2,
      creditedFeesUsd: 0.3,
      reason: 'close fill found after its trade was reported closed; credited to that trade',
    });
    // The round trip itself made +1.5 − 0.25 net; the late fill turns the run to −1.05 < −1.
    const h = harness({ lateFills: [{ events: [], creditedPnlUsd: 0, creditedFeesUsd: 0 }, { events: [credit], creditedPnlUsd: -2, creditedFeesUsd: 0.3 }] }, { maxLossUsd: 1, housekeepingMs: 20 });
    await h.until('FILL_CREDITED');
    await h.until('TRADING_HALTED');
    h.feeds.vest.books.next(book(99.9, 100));
    h.feeds.paradex.books.next(book(100.5, 100.6));
    await h.settle();
    h.shutdown$.next();
    const all = await h.done;
    expect(all.find((e) => e.type === 'FILL_CREDITED')).toEqual(credit);
    expect(all.find((e) => e.type === 'TRADING_HALTED')).toMatchObject({ reason: expect.stringContaining('max loss reached: realised net -2.30 USD') });
    expect(h.executors.get('btc')!.calls.open).toHaveLength(0);
  });

  it('a pair whose restored position the exit monitor refuses stops alone; the other pair keeps trading', async () => {
    // A position without a usable entry spread (e.g. from a damaged journal line).
    const broken: OpenedPosition = { pair: 'BTC-PERP', direction: 'AOverB', entrySpread: Number.NaN, size: 0.01 };
    const h = harness({ restore: broken, restorePair: 'BTC-PERP' }, {}, [pairSettings({ id: 'btc', pair: 'BTC-PERP' }), pairSettings({ id: 'eth', pair: 'ETH-PERP' })]);
    h.feeds.vest.books.next(book(99.9, 100));
    h.feeds.paradex.books.next(book(100.5, 100.6));
    await h.until('POSITION_OPENED', 2);
    h.shutdown$.next();
    const all = await h.done;
    expect(all.find((e) => e.type === 'TRADING_HALTED')).toMatchObject({ pair: 'BTC-PERP', reason: expect.stringContaining('entrySpread must be finite') });
    expect(h.executors.get('eth')!.calls.open).toHaveLength(1);
    expect(types(all).at(-1)).toBe('BOT_SHUTDOWN');
  });
});

describe('arbitrageBot: holding limit (risk.max_duration_hours)', () => {
  // BOverA exit = (bidB − askA)/askA: books far from the −0.02 % target, so only the holding limit can close.
  const farBooks = (h: ReturnType<typeof harness>) => {
    h.feeds.vest.books.next(book(99.95, 100.1));
    h.feeds.paradex.books.next(book(100, 100.05));
  };

  it('closes a restored position held past the limit since its journaled open time, and says why', async () => {
    const restore: OpenedPosition = { pair: 'BTC-PERP', direction: 'BOverA', entrySpread: 0.3, size: 0.01, openedAt: Date.now() - 25 * 3_600_000 };
    const h = harness({ restore }, {}, [pairSettings({ maxHoldHours: 24 })]);
    farBooks(h);
    await h.until('EXIT_MONITOR_STOPPED');
    h.shutdown$.next();
    const all = await h.done;
    expect(types(all).slice(1, 5)).toEqual(['POSITION_OPENED', 'TRADE_EXIT', 'POSITION_CLOSED', 'EXIT_MONITOR_STOPPED']);
    expect(all.find((e) => e.type === 'TRADE_EXIT')).toMatchObject({ reason: 'max_duration' });
    expect(all.find((e) => e.type === 'POSITION_CLOSED')).toMatchObject({ reason: 'max_duration', grossPnlUsd: 1.5 });
    expect(h.executors.get('btc')!.calls.close).toBe(1);
  });

  it('keeps a restored position within the limit open, counting from its open time, not the restart', async () => {
    const restore: OpenedPosition = { pair: 'BTC-PERP', direction: 'BOverA', entrySpread: 0.3, size: 0.01, openedAt: Date.now() - 60_000 };
    // 0.05 s limit from an open 60 s ago would close at once; a limit 90 s long (ending in 30 s) does not.
    const h = harness({ restore }, {}, [pairSettings({ maxHoldHours: 90 / 3_600 })]);
    farBooks(h);
    await h.settle();
    await sleep(50);
    farBooks(h);
    await h.settle();
    h.shutdown$.next();
    const all = await h.done;
    expect(types(all)).not.toContain('TRADE_EXIT');
    expect(h.executors.get('btc')!.calls.close).toBe(0);
  });

  it('closes a position opened in this run once it has been held that long', async () => {
    const h = harness({}, {}, [pairSettings({ maxHoldHours: 0.1 / 3_600 })]);
    // AOverB entry = (bidB − askA)/askA ≈ 0.2 % net of fees > 0.1 %; its exit (bidA − askB)/askB ≈ −0.3 % stays far.
    h.feeds.vest.books.next(book(99.5, 99.8));
    h.feeds.paradex.books.next(book(100, 100.1));
    await h.until('POSITION_OPENED');
    // Ticks keep coming: the first after the 100 ms limit closes.
    const pump = setInterval(() => h.feeds.paradex.books.next(book(100, 100.1)), 20);
    await h.until('POSITION_CLOSED');
    clearInterval(pump);
    h.shutdown$.next();
    const all = await h.done;
    const opened = all.find((e) => e.type === 'POSITION_OPENED')!;
    const closed = all.find((e) => e.type === 'POSITION_CLOSED')!;
    expect(closed).toMatchObject({ reason: 'max_duration' });
    expect(closed.time - opened.time).toBeGreaterThanOrEqual(90);
  });
});

describe('arbitrageBot: funding carry in the entry decision', () => {
  const openAndClose = async (h: ReturnType<typeof harness>, n: number) => {
    // AOverB entry ≈ 0.2 % net of fees; then the exit (bidA − askB)/askB = 0 % ≥ −0.02 % closes it.
    h.feeds.vest.books.next(book(99.5, 99.8));
    h.feeds.paradex.books.next(book(100, 100.1));
    await h.until('POSITION_OPENED', n);
    await sleep(30);
    h.feeds.vest.books.next(book(100.1, 100.2));
    await h.until('POSITION_CLOSED', n);
    await sleep(30); // the cooldown
  };

  it('says the carry is not tracked when the run has no funding feed, and counts none', async () => {
    const h = harness({});
    await openAndClose(h, 1);
    h.shutdown$.next();
    const all = await h.done;
    expect(all.find((e) => e.type === 'SPREAD_DETECTED')).toMatchObject({ carry: { status: 'not tracked', carryPct: 0 } });
  });

  it('counts the carry over the fallback hold first, then over the median hold of the round trips closed so far', async () => {
    const funding = { a: { ratePerHour: -0.00001, index: 0, at: 0 }, b: { ratePerHour: 0.00005, index: 0, at: 0 } };
    const h = harness({ stampOpenedAt: true }, {}, [pairSettings({ maxHoldHours: 24 })], undefined, { fundingFor: () => of(funding) });
    await openAndClose(h, 1);
    await openAndClose(h, 2);
    h.shutdown$.next();
    const all = await h.done;
    const detected = all.filter((e) => e.type === 'SPREAD_DETECTED');
    const held = all.filter((e) => e.type === 'POSITION_CLOSED')[0]!.time - all.filter((e) => e.type === 'POSITION_OPENED')[0]!.time;
    expect(detected[0]).toMatchObject({ carry: { status: 'counted', holdFrom: 'fallback', holdHours: 1, rateA: -0.00001, rateB: 0.00005, carryPct: 0.00006 * 1 * 100 } });
    const second = detected[1] as Extract<TradingEvent, { type: 'SPREAD_DETECTED' }>;
    expect(second.carry).toMatchObject({ status: 'counted', holdFrom: 'observed_median' });
    const hours = second.carry!.status === 'counted' ? second.carry!.holdHours : Number.NaN;
    // The one hold observed, as the bot timed it (open-time stamp to close event): within a few ms of the events'.
    expect(hours * 3_600_000).toBeGreaterThan(0);
    expect(Math.abs(hours * 3_600_000 - held)).toBeLessThan(20);
  });
});

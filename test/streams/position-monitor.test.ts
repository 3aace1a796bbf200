/**
 * positionMonitor$ and closeAtExit$: one open position's life on a real pairContext, in virtual time. The
 * executor's close is a cold observable (see pair-rig), so the specs see when it is subscribed and that a
 * close in flight runs to its end whatever comes meanwhile (shutdown, further ticks).
 */
import { asyncScheduler, map, type Observable, throwError } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { realisedNetDeltaUsd } from '../../src/domain/pnl';
import { events, type TradingEvent } from '../../src/domain/events';
import type { CloseReport, OpenedPosition } from '../../streams/pair-executor';
import { closeAtExit$, openedEvent$, positionMonitor$ } from '../../streams/position-monitor';
import { book, pairRig, scriptedExecutor } from './pair-rig';

const PAIR = 'BTC-PERP';
const ENTRY = 0.08;
const pct = (sell: number, buy: number): number => ((sell - buy) / buy) * 100;
const POSITION: OpenedPosition = { pair: PAIR, direction: 'AOverB', entrySpread: ENTRY, size: 0.25, longEntryPrice: 100_000, shortEntryPrice: 100_100 };

// AOverB: long A (sold at A's bid), short B (bought back at B's ask 100 050). Exit target −0.02 %.
const B = book([[100_040, 0.5]], [[100_050, 0.5]]);
const FAR_A = book([[99_990, 0.5]], [[100_000, 0.5]]); // exit spread ≈ −0.060 %: keep monitoring
const NEAR_A = book([[100_040, 0.5]], [[100_045, 0.5]]); // exit spread ≈ −0.010 %: exit
const NEAR = pct(100_040, 100_050);

const won: CloseReport = { ok: true, grossPnlUsd: -1.5, feesUsd: 0.5, events: [events.orderFilled(0, { pair: PAIR, venue: 'vest', clientId: 'x1', filledSize: 0.25, avgPrice: 100_040, feeUsd: 0.25, latencyMs: 1 })] };
const rejected: CloseReport = { ok: false, reason: 'paradex: order rejected', events: [] };

/** What events add to the run's realised net, as the bot's loss limit and the summary count them. */
const realisedNet = (list: readonly TradingEvent[]) => list.reduce((a, e) => a + realisedNetDeltaUsd(e), 0);

const TYPE = {
  x: 'TRADE_EXIT',
  c: 'POSITION_CLOSED',
  s: 'EXIT_MONITOR_STOPPED',
  f: 'CLOSE_FAILED',
} as const;
const typesOf = (e$: Observable<TradingEvent>) => e$.pipe(map((e) => e.type));

const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('positionMonitor$', () => {
  it('closes once the exit target is reached and ends with the position closed', () => {
    testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions, flush }) => {
      const a$ = hot('f--n-----', { f: FAR_A, n: NEAR_A });
      const b$ = hot('b--------', { b: B });
      const close = cold('---r|', { r: won });
      const { executor, closes } = scriptedExecutor(() => close);
      const { ctx } = pairRig({ a$, b$, scheduler: asyncScheduler, executor });
      expectObservable(typesOf(positionMonitor$(ctx, POSITION))).toBe('---x--(cs|)', TYPE);
      expectSubscriptions(close.subscriptions).toBe('---^--!');
      flush();
      expect(closes).toHaveLength(1);
    });
  });

  it('reports the close with its PnL, passes on the fills (together what the loss limit counts) and forgets the position', () => {
    testScheduler().run(({ hot, cold, expectObservable, flush }) => {
      const a$ = hot('n------', { n: NEAR_A });
      const b$ = hot('b------', { b: B });
      const { executor, closes } = scriptedExecutor(() => cold('--r|', { r: won }));
      const { ctx } = pairRig({ a$, b$, scheduler: asyncScheduler, executor });
      const effects: TradingEvent[] = [];
      ctx.effectEvents.subscribe((e) => effects.push(e));
      const monitored: Array<OpenedPosition | undefined> = [];
      ctx.monitored.subscribe((p) => monitored.push(p));
      const closed = events.positionClosed(2, { pair: PAIR, polls: 1, entrySpread: ENTRY, exitSpread: NEAR, profit: ENTRY + NEAR, grossPnlUsd: -1.5, feesUsd: 0.5, reason: 'exit_target' });
      expectObservable(positionMonitor$(ctx, POSITION).pipe(map((e) => (e.type === 'POSITION_CLOSED' ? e : e.type)))).toBe('x-(cs|)', { ...TYPE, c: closed });
      flush();
      expect(closes).toHaveLength(1);
      expect(closes[0]!.ctx).toMatchObject({ exitSpread: NEAR, polls: 1 });
      expect(effects).toEqual(won.events);
      // The bot's loss limit counts the run's events: the close's gross (−1.5) and its own fill's fee (0.25; the
      // close's 0.5 fee figure covers the entry's too, counted when the entry's fills were reported).
      expect(realisedNet([...effects, closed])).toBe(-1.75);
      expect(monitored).toEqual([undefined, POSITION, undefined]);
    });
  });

  it('does not cancel a close in flight when shutdown comes, and does not close twice with closeOnExit', () => {
    testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions, flush }) => {
      const a$ = hot('-n--n-n--', { n: NEAR_A });
      const b$ = hot('b--------', { b: B });
      const stop$ = hot('---s-----', { s: true as const });
      const close = cold('----r|', { r: won });
      const { executor, closes } = scriptedExecutor(() => close);
      const { ctx } = pairRig({ a$, b$, stop$, scheduler: asyncScheduler, executor, settings: { closeOnExit: true } });
      expectObservable(typesOf(positionMonitor$(ctx, POSITION))).toBe('-x---(cs|)', TYPE);
      expectSubscriptions(close.subscriptions).toBe('-^---!');
      flush();
      expect(closes).toHaveLength(1);
    });
  });

  it('keeps monitoring after a failed close and closes on a later exit tick', () => {
    testScheduler().run(({ hot, cold, expectObservable, flush }) => {
      const a$ = hot('n---f--n----', { n: NEAR_A, f: FAR_A });
      const b$ = hot('b-----------', { b: B });
      const { executor, closes } = scriptedExecutor((n) => (n === 1 ? cold('--r|', { r: rejected }) : cold('-r|', { r: won })));
      const { ctx } = pairRig({ a$, b$, scheduler: asyncScheduler, executor });
      const effects: TradingEvent[] = [];
      ctx.effectEvents.subscribe((e) => effects.push(e));
      expectObservable(typesOf(positionMonitor$(ctx, POSITION))).toBe('x-f----x(cs|)', TYPE);
      flush();
      expect(closes).toHaveLength(2);
      expect(realisedNet(rejected.events)).toBe(0); // the rejected close realised nothing
      expect(effects).toEqual([...rejected.events, ...won.events]);
    });
  });

  it('turns a close that throws into CLOSE_FAILED and keeps the position monitored', () => {
    testScheduler().run(({ hot, expectObservable, flush }) => {
      const a$ = hot('n----', { n: NEAR_A });
      const b$ = hot('b----', { b: B });
      const { executor } = scriptedExecutor(() => throwError(() => new Error('socket hang up')));
      const { ctx } = pairRig({ a$, b$, scheduler: asyncScheduler, executor });
      const failed = events.closeFailed(0, { pair: PAIR, polls: 1, reason: 'close effect threw: socket hang up' });
      expectObservable(positionMonitor$(ctx, POSITION).pipe(map((e) => (e.type === 'CLOSE_FAILED' ? e : e.type))), '^---!').toBe('(xf)', { ...TYPE, f: failed });
      flush();
      expect(ctx.monitored.value).toBe(POSITION);
    });
  });

  it('leaves the position open at shutdown without closeOnExit', () => {
    testScheduler().run(({ hot, cold, expectObservable, flush }) => {
      const a$ = hot('f-------', { f: FAR_A });
      const b$ = hot('b-------', { b: B });
      const stop$ = hot('---s----', { s: true as const });
      const { executor, closes } = scriptedExecutor(() => cold('r|', { r: won }));
      const { ctx } = pairRig({ a$, b$, stop$, scheduler: asyncScheduler, executor });
      expectObservable(positionMonitor$(ctx, POSITION)).toBe('---(s|)', { s: events.exitMonitorStopped(3, { pair: PAIR, polls: 1, reason: 'shutdown' }) });
      flush();
      expect(closes).toHaveLength(0);
      expect(ctx.monitored.value).toBe(POSITION);
    });
  });

  it('closes the position at shutdown with closeOnExit, reason close_on_exit, with the figures the loss limit counts', () => {
    testScheduler().run(({ hot, cold, expectObservable, flush }) => {
      const a$ = hot('f-------', { f: FAR_A });
      const b$ = hot('b-------', { b: B });
      const stop$ = hot('---s----', { s: true as const });
      const { executor, closes } = scriptedExecutor(() => cold('--(r|)', { r: won }));
      const { ctx } = pairRig({ a$, b$, stop$, scheduler: asyncScheduler, executor, settings: { closeOnExit: true } });
      const closed = events.positionClosed(5, { pair: PAIR, polls: 1, entrySpread: ENTRY, exitSpread: Number.NaN, profit: Number.NaN, grossPnlUsd: -1.5, feesUsd: 0.5, reason: 'close_on_exit' });
      expectObservable(positionMonitor$(ctx, POSITION).pipe(map((e) => (e.type === 'EXIT_MONITOR_STOPPED' ? 's' : e)))).toBe('---s-(fc|)', { s: 's', f: won.events[0], c: closed });
      flush();
      expect(closes).toHaveLength(1);
      expect(realisedNet([won.events[0]!, closed])).toBe(-1.75);
      expect(ctx.monitored.value).toBeUndefined();
    });
  });

  it('refreshes the pre-signed close orders each second while monitoring, and stops when the monitor ends', () => {
    testScheduler().run(({ hot, cold, expectObservable, flush }) => {
      const a$ = hot('f 1499ms f 1000ms n', { f: FAR_A, n: NEAR_A }); // ticks at 0, 1500 and (exit) 2501
      const b$ = hot('b', { b: B });
      const refreshedAt: number[] = [];
      const { executor } = scriptedExecutor(() => cold('r|', { r: won }), {
        refreshPreparedClose: () => {
          refreshedAt.push(asyncScheduler.now());
          // An observable (defer takes any ObservableInput): a Promise would never settle inside virtual time.
          return cold('-(r|)', { r: true }) as unknown as Promise<boolean>;
        },
      });
      const { ctx } = pairRig({ a$, b$, scheduler: asyncScheduler, executor });
      expectObservable(typesOf(positionMonitor$(ctx, POSITION))).toBe('2501ms (xcs|)', TYPE);
      flush();
      expect(refreshedAt).toEqual([1000, 2000]); // none at 3000: the exit at 2501 ended the refreshes
    });
  });

  it('never stacks refreshes: one still in flight makes the next second skip', () => {
    testScheduler().run(({ hot, cold, expectObservable, flush }) => {
      const a$ = hot('f 999ms f 999ms f 999ms f 500ms n', { f: FAR_A, n: NEAR_A });
      const b$ = hot('b', { b: B });
      const refreshedAt: number[] = [];
      const { executor } = scriptedExecutor(() => cold('r|', { r: won }), {
        refreshPreparedClose: () => {
          refreshedAt.push(asyncScheduler.now());
          return cold('1500ms (r|)', { r: true }) as unknown as Promise<boolean>;
        },
      });
      const { ctx } = pairRig({ a$, b$, scheduler: asyncScheduler, executor });
      expectObservable(typesOf(positionMonitor$(ctx, POSITION))).toBe('3501ms (xcs|)', TYPE);
      flush();
      expect(refreshedAt).toEqual([1000, 3000]); // 2000 fell while the first was still signing
    });
  });
});

describe('closeAtExit$', () => {
  it('reports a failed close at exit as CLOSE_FAILED, and keeps the position marked as open', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const { executor } = scriptedExecutor(() => cold('-(r|)', { r: rejected }));
      const { ctx } = pairRig({ a$: hot('-'), b$: hot('-'), scheduler: asyncScheduler, executor });
      ctx.monitored.next(POSITION);
      expectObservable(closeAtExit$(ctx, POSITION, 7)).toBe('-(f|)', { f: events.closeFailed(1, { pair: PAIR, polls: 7, reason: 'paradex: order rejected' }) });
    });
  });
});

describe('openedEvent$', () => {
  it('reports POSITION_OPENED with each leg on its venue and the entry prices, stamped when subscribed', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const { ctx } = pairRig({ a$: hot('-'), b$: hot('-'), scheduler: asyncScheduler });
      const bOverA: OpenedPosition = { ...POSITION, direction: 'BOverA', openedAt: 1 };
      expectObservable(openedEvent$(ctx, bOverA, true)).toBe('(o|)', {
        o: events.positionOpened(0, {
          pair: PAIR,
          direction: 'BOverA',
          entrySpread: ENTRY,
          size: 0.25,
          restored: true,
          longVenue: 'paradex', // BOverA buys B (dex_b = paradex) and sells A (dex_a = vest)
          shortVenue: 'vest',
          longEntryPrice: 100_000,
          shortEntryPrice: 100_100,
          openedAt: 1,
        }),
      });
    });
  });
});

describe('positionMonitor$: holding limit and adverse carry from the pair settings', () => {
  const snap = (a: number, b: number) => ({ a: { ratePerHour: a, index: 0, at: 0 }, b: { ratePerHour: b, index: 0, at: 0 } });

  it('closes a position held maxHoldHours since its open time at the next tick, reason max_duration', () => {
    testScheduler().run(({ hot, cold, expectObservable, flush }) => {
      const a$ = hot('f-f-f-f-', { f: FAR_A });
      const b$ = hot('b-------', { b: B });
      const { executor, closes } = scriptedExecutor(() => cold('-r|', { r: won }));
      // Opened at −1 ms with a 4 ms limit: due at 3 ms, closed on the tick at 4.
      const { ctx } = pairRig({ a$, b$, scheduler: asyncScheduler, executor, pair: { maxHoldHours: 4 / 3_600_000 } });
      const reasons = positionMonitor$(ctx, { ...POSITION, openedAt: -1 }).pipe(map((e) => (e.type === 'TRADE_EXIT' || e.type === 'POSITION_CLOSED' ? `${e.type}:${e.reason}` : e.type)));
      expectObservable(reasons).toBe('----x(cs|)', { x: 'TRADE_EXIT:max_duration', c: 'POSITION_CLOSED:max_duration', s: 'EXIT_MONITOR_STOPPED' });
      flush();
      expect(closes).toHaveLength(1);
    });
  });

  it('closes when the pair funding turns the carry against the position beyond funding_exit_bps_per_hour', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const funding$ = hot('e--p----', { e: snap(-0.00001, 0.00002), p: snap(0.00002, -0.00001) }); // AOverB: +0.3, then −0.3 bp/h
      const a$ = hot('f-f-f-f-', { f: FAR_A });
      const b$ = hot('b-------', { b: B });
      const { executor } = scriptedExecutor(() => cold('-r|', { r: won }));
      const { ctx } = pairRig({ a$, b$, scheduler: asyncScheduler, executor, funding$, pair: { fundingExitBpsPerHour: 0.2 } });
      const reasons = positionMonitor$(ctx, POSITION).pipe(map((e) => (e.type === 'TRADE_EXIT' || e.type === 'POSITION_CLOSED' ? `${e.type}:${e.reason}` : e.type)));
      expectObservable(reasons).toBe('----x(cs|)', { x: 'TRADE_EXIT:adverse_funding', c: 'POSITION_CLOSED:adverse_funding', s: 'EXIT_MONITOR_STOPPED' });
    });
  });

  it('ignores funding when the pair sets no adverse-carry bound', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const funding$ = hot('p-------', { p: snap(0.002, -0.001) });
      const a$ = hot('f-f-f-f-', { f: FAR_A });
      const b$ = hot('b-------', { b: B });
      const { ctx } = pairRig({ a$, b$, scheduler: asyncScheduler, funding$ });
      expectObservable(positionMonitor$(ctx, POSITION)).toBe('--------');
    });
  });
});

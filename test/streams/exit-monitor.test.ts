/**
 * exitMonitor: marble tests in virtual time. Each tick is one poll of both books; a close is an injected
 * cold observable, so the tests see exactly when it is subscribed and whether it is ever cut short.
 * Under TestScheduler.run the default asyncScheduler is virtual, so event times are frame numbers.
 */
import { asyncScheduler, type Observable, NEVER, of, type SchedulerLike, Subject, throwError } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { type CloseResult, type DecidingTick, events, type ExitEvent } from '../../src/domain/events';
import type { MarketTick, PositionSpec } from '../../src/domain/market';
import { bookFromLevels, type OrderBook } from '../../src/domain/order-book';
import { type CloseContext, exitMonitor, type ExitMonitorOptions } from '../../streams/exit-monitor';

const PAIR = 'BTC-PERP';
const SIZE = 0.25; // powers of two keep VWAP arithmetic exact, so expected spreads compare with toEqual
const ENTRY = 0.08;
const TARGET = -0.02;
const LONG_A: PositionSpec = { pair: PAIR, direction: 'AOverB', entrySpread: ENTRY, size: SIZE };

type Side = ReadonlyArray<readonly [price: number, size: number]>;

function book(bids: Side, asks: Side, meta: { receivedAt?: number; stale?: boolean } = {}): OrderBook {
  const levels = (side: Side) => side.map(([price, size]) => ({ price, size }));
  const built = bookFromLevels(levels(bids), levels(asks), { receivedAt: meta.receivedAt ?? 0 });
  return meta.stale ? { ...built, stale: true } : built;
}

function tick(a: OrderBook, b: OrderBook): MarketTick {
  return { a, b, time: 0 };
}

/** (sell − buy)/buy·100, the exit spread formula written out for the expectations. */
const pct = (sell: number, buy: number): number => ((sell - buy) / buy) * 100;

// AOverB: long A (sell it at A's bid), short B (buy it back at B's ask = 100 050).
const shortB = book([[100_040, 0.5]], [[100_050, 0.5]]);
const farA = book([[99_990, 0.5]], [[100_000, 0.5]]);
const nearA = book([[100_040, 0.5]], [[100_045, 0.5]]);
const FAR = pct(99_990, 100_050); // ≈ −0.060 %, below the −0.02 % target
const NEAR = pct(100_040, 100_050); // ≈ −0.010 %, at or above the target

const T = { f: tick(farA, shortB), n: tick(nearA, shortB) };
/** The exit tick T.n as TRADE_EXIT reports it: both directions' entry spreads (BOverA's is the AOverB exit spread). */
const NEAR_TICK: DecidingTick = { time: 0, entryAOverB: pct(100_040, 100_045), entryBOverA: NEAR };

const ok: CloseResult = { ok: true };
const rejected: CloseResult = { ok: false, reason: 'paradex: order rejected (insufficient margin)' };

const monitoringAt = (time: number, polls: number, exitSpread: number | undefined): ExitEvent =>
  events.positionMonitoring(time, { pair: PAIR, polls, entrySpread: ENTRY, exitSpread, exitTarget: TARGET });
const exitAt = (time: number, polls: number, exitSpread = NEAR, decidedOn: DecidingTick = NEAR_TICK): ExitEvent =>
  events.tradeExit(time, {
    pair: PAIR,
    polls,
    entrySpread: ENTRY,
    exitSpread,
    exitTarget: TARGET,
    profit: ENTRY + exitSpread,
    reason: 'exit_target',
    tick: decidedOn,
  });
const closedAt = (time: number, polls: number, extra: { grossPnlUsd?: number; feesUsd?: number } = {}): ExitEvent =>
  events.positionClosed(time, { pair: PAIR, polls, entrySpread: ENTRY, exitSpread: NEAR, profit: ENTRY + NEAR, ...extra, reason: 'exit_target' });
const failedAt = (time: number, polls: number, reason: string): ExitEvent => events.closeFailed(time, { pair: PAIR, polls, reason });
const stoppedAt = (time: number, polls: number, reason: 'closed' | 'shutdown'): ExitEvent =>
  events.exitMonitorStopped(time, { pair: PAIR, polls, reason });

function options(overrides: Partial<ExitMonitorOptions>): ExitMonitorOptions {
  return {
    position: LONG_A,
    exitTarget: TARGET,
    shutdown$: NEVER,
    closePosition: () => NEVER,
    ...overrides,
  };
}

const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('exitMonitor: polls and monitoring events', () => {
  it('reports POSITION_MONITORING on every logEvery-th poll with the current exit spread', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const ticks$ = hot('       f-f-f-f-|', T);
      const expected = '         --a---b-|';
      expectObservable(ticks$.pipe(exitMonitor(options({ logEvery: 2 })))).toBe(expected, {
        a: monitoringAt(2, 2, FAR),
        b: monitoringAt(6, 4, FAR),
      });
    });
  });

  it('reports every 40th poll by default', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const ticks$ = hot('f'.repeat(80), T);
      const expected = `${'-'.repeat(39)}a${'-'.repeat(39)}b`;
      expectObservable(ticks$.pipe(exitMonitor(options({})))).toBe(expected, {
        a: monitoringAt(39, 40, FAR),
        b: monitoringAt(79, 80, FAR),
      });
    });
  });

  it('reports the monitoring line before the exit of the same poll', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const ticks$ = hot('       f-n-', T);
      const expected = '         --(mx)';
      expectObservable(ticks$.pipe(exitMonitor(options({ logEvery: 2 })))).toBe(expected, {
        m: monitoringAt(2, 2, NEAR),
        x: exitAt(2, 2),
      });
    });
  });

  it('does not count ticks that arrive while a close is in flight, and counts again after it fails', () => {
    testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const ticks$ = hot('       n-n--n-n--|', T);
      const firstClose$ = cold(' ---r|', { r: rejected });
      const secondClose$ = cold('     -r|', { r: ok });
      const expected = '         x--f-y(cs|)';
      const closes = [firstClose$, secondClose$];
      const closePosition = (): Observable<CloseResult> => closes.shift() ?? NEVER;

      expectObservable(ticks$.pipe(exitMonitor(options({ closePosition })))).toBe(expected, {
        x: exitAt(0, 1),
        f: failedAt(3, 1, rejected.reason!),
        y: exitAt(5, 2),
        c: closedAt(6, 2),
        s: stoppedAt(6, 2, 'closed'),
      });
      expectSubscriptions(firstClose$.subscriptions).toBe(' ^--!');
      expectSubscriptions(secondClose$.subscriptions).toBe('-----^!');
      expectSubscriptions(ticks$.subscriptions).toBe('     ^-----!');
    });
  });
});

describe('exitMonitor: no decision on bad data', () => {
  it('decides nothing when the long leg has no bids or the short leg has no asks', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const noBidsA = tick(book([], [[100_045, 0.5]]), shortB);
      const noAsksB = tick(nearA, book([[100_040, 0.5]], []));
      const ticks$ = hot('       a-b-', { a: noBidsA, b: noAsksB });
      const expected = '         a-b-';
      expectObservable(ticks$.pipe(exitMonitor(options({ logEvery: 1 })))).toBe(expected, {
        a: monitoringAt(0, 1, undefined),
        b: monitoringAt(2, 2, undefined),
      });
    });
  });

  it('needs only the sides the close trades on: the long leg without asks can still exit', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const noAsksA = tick(book([[100_040, 0.5]], []), shortB);
      const ticks$ = hot('       a-', { a: noAsksA });
      const expected = '         x-';
      // No ask on A: the AOverB entry spread of that tick cannot be computed, and is left out.
      expectObservable(ticks$.pipe(exitMonitor(options({})))).toBe(expected, { x: exitAt(0, 1, NEAR, { time: 0, entryBOverA: NEAR }) });
    });
  });

  it('decides nothing on a book its feed flagged stale', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const staleB = tick(nearA, { ...shortB, stale: true });
      const staleA = tick({ ...nearA, stale: true }, shortB);
      const ticks$ = hot('       a-b-', { a: staleA, b: staleB });
      const expected = '         a-b-';
      expectObservable(ticks$.pipe(exitMonitor(options({ logEvery: 1 })))).toBe(expected, {
        a: monitoringAt(0, 1, undefined),
        b: monitoringAt(2, 2, undefined),
      });
    });
  });

  it('decides nothing when a book is older than maxBookAgeMs at the time of the poll', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const freshB = book([[100_040, 0.5]], [[100_050, 0.5]], { receivedAt: 4 });
      const oldA = book([[100_040, 0.5]], [[100_045, 0.5]], { receivedAt: 0 });
      const freshA = book([[100_040, 0.5]], [[100_045, 0.5]], { receivedAt: 6 });
      // At frame 4 A is 4 ms old (> 3); at frame 6 A is 0 ms and B 2 ms old.
      const ticks$ = hot('       ----o-y-', { o: tick(oldA, freshB), y: tick(freshA, freshB) });
      const expected = '         ----a-(bx)';
      expectObservable(ticks$.pipe(exitMonitor(options({ logEvery: 1, maxBookAgeMs: 3 })))).toBe(expected, {
        a: monitoringAt(4, 1, undefined),
        b: monitoringAt(6, 2, NEAR),
        x: exitAt(6, 2),
      });
    });
  });

  it('decides nothing on a crossed book, whose spread is a feed artefact', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const crossedA = book([[100_200, 0.5]], [[100_100, 0.5]]);
      const ticks$ = hot('       c-', { c: tick(crossedA, shortB) });
      const expected = '         a-';
      expectObservable(ticks$.pipe(exitMonitor(options({ logEvery: 1 })))).toBe(expected, { a: monitoringAt(0, 1, undefined) });
    });
  });

  it('prices the exit at the VWAP of the position size, not the top of book', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      // Top bid would exit (−0.01 %), but only half the size is there: VWAP 99 970 gives ≈ −0.08 %.
      const shallowA = book([[100_040, 0.125], [99_900, 1]], [[100_045, 0.5]]);
      const thinA = book([[100_040, 0.125]], [[100_045, 0.5]]);
      const ticks$ = hot('       s-t-', { s: tick(shallowA, shortB), t: tick(thinA, shortB) });
      const expected = '         a-b-';
      expectObservable(ticks$.pipe(exitMonitor(options({ logEvery: 1 })))).toBe(expected, {
        a: monitoringAt(0, 1, pct(99_970, 100_050)),
        b: monitoringAt(2, 2, undefined), // the book cannot absorb the size at all
      });
    });
  });

  it('reads the long leg B and the short leg A for a BOverA position', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const a = book([[100_000, 0.5]], [[100_050, 0.5]]);
      const b = book([[100_040, 0.5]], [[100_060, 0.5]]);
      const ticks$ = hot('       t-', { t: tick(a, b) });
      const expected = '         x-';
      const position: PositionSpec = { ...LONG_A, direction: 'BOverA' };
      const decidedOn: DecidingTick = { time: 0, entryAOverB: pct(100_040, 100_050), entryBOverA: pct(100_000, 100_060) };
      expectObservable(ticks$.pipe(exitMonitor(options({ position })))).toBe(expected, { x: exitAt(0, 1, pct(100_040, 100_050), decidedOn) });
    });
  });
});

describe('exitMonitor: closing', () => {
  it('exits at the target, closes once, reports the close and stops', () => {
    const closePosition = jest.fn((_ctx: CloseContext): Observable<CloseResult> => NEVER);
    testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const ticks$ = hot('       f-n-n-f-n-|', T);
      const close$ = cold('        ---r|', { r: { ok: true, grossPnlUsd: 12.5, feesUsd: 3.75 } });
      const expected = '         --x--(cs|)';
      closePosition.mockReturnValue(close$);

      expectObservable(ticks$.pipe(exitMonitor(options({ closePosition })))).toBe(expected, {
        x: exitAt(2, 2),
        c: closedAt(5, 2, { grossPnlUsd: 12.5, feesUsd: 3.75 }),
        s: stoppedAt(5, 2, 'closed'),
      });
      expectSubscriptions(close$.subscriptions).toBe(' --^--!');
      expectSubscriptions(ticks$.subscriptions).toBe(' ^----!');
    });
    expect(closePosition).toHaveBeenCalledTimes(1);
    expect(closePosition).toHaveBeenCalledWith({ exitSpread: NEAR, tick: T.n, polls: 2 });
  });

  it('takes the close\'s first result only, and lets go of the close as soon as it has one', () => {
    testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const ticks$ = hot('       n-------', T);
      const close$ = cold('      -f-r-r|', { f: rejected, r: { ok: true } });
      const expected = '         xg------';
      expectObservable(ticks$.pipe(exitMonitor(options({ closePosition: () => close$ })))).toBe(expected, {
        x: exitAt(0, 1),
        g: failedAt(1, 1, rejected.reason!),
      });
      expectSubscriptions(close$.subscriptions).toBe(' ^!');
    });
  });

  it('says why it closed: the reason it was given for reaching the target (a resumed close)', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const ticks$ = hot('       n-|', T);
      const close$ = cold('      -r|', { r: ok });
      const expected = '         x(cs|)';
      const resumed = { reason: 'resume_close' as const };
      expectObservable(ticks$.pipe(exitMonitor(options({ closePosition: () => close$, ...resumed })))).toBe(expected, {
        x: { ...exitAt(0, 1), ...resumed },
        c: { ...closedAt(1, 1), ...resumed },
        s: stoppedAt(1, 1, 'closed'),
      });
    });
  });

  it.each([
    ['a rejected close with its reason', 'r', { r: rejected }, undefined, rejected.reason!],
    ['a rejected close without a reason', 'r', { r: { ok: false } }, undefined, 'close rejected without a reason'],
    ['an erroring close', '#', undefined, new Error('vest: timeout after 5000 ms'), 'close errored: vest: timeout after 5000 ms'],
    ['a close that completes without a result', '|', undefined, undefined, 'close completed without a result'],
  ])('keeps monitoring after %s', (_name, outcome, values, error, reason) => {
    testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const ticks$ = hot('       n---n---', T);
      const close$ = cold(`      --${outcome}`, values, error);
      const expected = '         x-f-y-g-';
      expectObservable(ticks$.pipe(exitMonitor(options({ closePosition: () => close$ })))).toBe(expected, {
        x: exitAt(0, 1),
        f: failedAt(2, 1, reason),
        y: exitAt(4, 2),
        g: failedAt(6, 2, reason),
      });
      expectSubscriptions(close$.subscriptions).toBe([' ^-!', ' ----^-!']);
    });
  });

  it('keeps monitoring after a close that errors as soon as it is subscribed', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const ticks$ = hot('       n---n-', T);
      const expected = '         (xf)(yg)';
      const closePosition = () => throwError(() => new Error('vest: nonce too low'));
      expectObservable(ticks$.pipe(exitMonitor(options({ closePosition })))).toBe(expected, {
        x: exitAt(0, 1),
        f: failedAt(0, 1, 'close errored: vest: nonce too low'),
        y: exitAt(4, 2),
        g: failedAt(4, 2, 'close errored: vest: nonce too low'),
      });
    });
  });

  it('keeps monitoring when closePosition itself throws', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const ticks$ = hot('       n-', T);
      const expected = '         (xf)';
      const closePosition = (): Observable<CloseResult> => {
        throw new Error('paradex: not authenticated');
      };
      expectObservable(ticks$.pipe(exitMonitor(options({ closePosition })))).toBe(expected, {
        x: exitAt(0, 1),
        f: failedAt(0, 1, 'close errored: paradex: not authenticated'),
      });
    });
  });
});

describe('exitMonitor: exit confirmation', () => {
  it('with confirmTicks waits for that many consecutive polls at the target; a poll below resets the count', () => {
    testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const ticks$ = hot('       n-f-n-n-n---', T);
      const close$ = cold('              -r|', { r: ok });
      const expected = '         --------x(cs|)';
      expectObservable(ticks$.pipe(exitMonitor(options({ confirmTicks: 3, closePosition: () => close$ })))).toBe(expected, {
        x: exitAt(8, 5),
        c: closedAt(9, 5),
        s: stoppedAt(9, 5, 'closed'),
      });
      expectSubscriptions(close$.subscriptions).toBe('        --------^!');
    });
  });

  it('rejects a confirmTicks that cannot work', () => {
    expect(() => exitMonitor(options({ confirmTicks: 0 }))).toThrow(/confirmTicks/);
    expect(() => exitMonitor(options({ confirmTicks: 1.5 }))).toThrow(/confirmTicks/);
  });
});

describe('exitMonitor: shutdown', () => {
  it('stops on shutdown without closing, and unsubscribes from the ticks', () => {
    const closePosition = jest.fn(() => of(ok));
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const ticks$ = hot('       f-f-f---', T);
      const shutdown$ = hot('    -----s--');
      const expected = '         -----(z|)';
      expectObservable(ticks$.pipe(exitMonitor(options({ shutdown$, closePosition })))).toBe(expected, {
        z: stoppedAt(5, 3, 'shutdown'),
      });
      expectSubscriptions(ticks$.subscriptions).toBe('^----!');
    });
    expect(closePosition).not.toHaveBeenCalled();
  });

  it('lets an in-flight close finish on shutdown and reports it closed', () => {
    testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const ticks$ = hot('       f-n-----n-', T);
      const shutdown$ = hot('    ----s-----');
      const close$ = cold('        ----r|', { r: ok });
      const expected = '         --x---(cz|)';
      expectObservable(ticks$.pipe(exitMonitor(options({ shutdown$, closePosition: () => close$ })))).toBe(expected, {
        x: exitAt(2, 2),
        c: closedAt(6, 2),
        z: stoppedAt(6, 2, 'closed'),
      });
      expectSubscriptions(close$.subscriptions).toBe(' --^---!'); // ends with its result, not at the shutdown
      expectSubscriptions(ticks$.subscriptions).toBe(' ^---!');
    });
  });

  it('lets an in-flight close finish on shutdown and, when it fails, reports the failure then stops', () => {
    testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const ticks$ = hot('       f-n-----n-', T);
      const shutdown$ = hot('    ----s-----');
      const close$ = cold('        ----r|', { r: rejected });
      const expected = '         --x---(fz|)';
      expectObservable(ticks$.pipe(exitMonitor(options({ shutdown$, closePosition: () => close$ })))).toBe(expected, {
        x: exitAt(2, 2),
        f: failedAt(6, 2, rejected.reason!),
        z: stoppedAt(6, 2, 'shutdown'),
      });
      expectSubscriptions(close$.subscriptions).toBe(' --^---!');
    });
  });

  it('stops at once with zero polls when shutdown comes before any tick', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const ticks$ = hot('       ---f', T);
      const shutdown$ = hot('    -s--');
      const expected = '         -(z|)';
      expectObservable(ticks$.pipe(exitMonitor(options({ shutdown$ })))).toBe(expected, { z: stoppedAt(1, 0, 'shutdown') });
    });
  });
});

describe('exitMonitor: end of the tick source', () => {
  it('propagates a tick source error', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const feedError = new Error('vest feed: gave up reconnecting');
      const ticks$ = hot('       f-#', T, feedError);
      const expected = '         --#';
      expectObservable(ticks$.pipe(exitMonitor(options({})))).toBe(expected, undefined, feedError);
    });
  });

  it('propagates a tick source error only after an in-flight close has reported', () => {
    testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const feedError = new Error('vest feed: gave up reconnecting');
      const ticks$ = hot('       n-#', T, feedError);
      const close$ = cold('       ----r|', { r: rejected });
      const expected = '         x---(f#)';
      expectObservable(ticks$.pipe(exitMonitor(options({ closePosition: () => close$ })))).toBe(
        expected,
        { x: exitAt(0, 1), f: failedAt(4, 1, rejected.reason!) },
        feedError,
      );
      expectSubscriptions(close$.subscriptions).toBe('^---!');
    });
  });

  it('treats an erroring shutdown$ like a source error: the in-flight close still reports first', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const signalError = new Error('signal handler failed');
      const ticks$ = hot('       n---', T);
      const shutdown$ = hot('    -#', undefined, signalError);
      const close$ = cold('       ---r|', { r: ok });
      const expected = '         x--(cz#)';
      expectObservable(ticks$.pipe(exitMonitor(options({ shutdown$, closePosition: () => close$ })))).toBe(
        expected,
        { x: exitAt(0, 1), c: closedAt(3, 1), z: stoppedAt(3, 1, 'closed') },
        signalError,
      );
    });
  });

  it('completes with no extra event when the tick source completes: the position stays open', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const ticks$ = hot('       f-f|', T);
      const expected = '         ---|';
      expectObservable(ticks$.pipe(exitMonitor(options({})))).toBe(expected);
    });
  });

  it('waits for an in-flight close when the tick source completes', () => {
    testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const ticks$ = hot('       n-|', T);
      const close$ = cold('       ----r|', { r: ok });
      const expected = '         x---(cz|)';
      expectObservable(ticks$.pipe(exitMonitor(options({ closePosition: () => close$ })))).toBe(expected, {
        x: exitAt(0, 1),
        c: closedAt(4, 1),
        z: stoppedAt(4, 1, 'closed'),
      });
      expectSubscriptions(close$.subscriptions).toBe('^---!');
    });
  });
});

describe('exitMonitor: options', () => {
  it('rejects a position size, logEvery or maxBookAgeMs that cannot work', () => {
    expect(() => exitMonitor(options({ position: { ...LONG_A, size: 0 } }))).toThrow(/size must be > 0/);
    expect(() => exitMonitor(options({ logEvery: 0 }))).toThrow(/logEvery/);
    expect(() => exitMonitor(options({ logEvery: 2.5 }))).toThrow(/logEvery/);
    expect(() => exitMonitor(options({ maxBookAgeMs: -1 }))).toThrow(/maxBookAgeMs/);
    expect(() => exitMonitor(options({ exitTarget: Number.NaN }))).toThrow(/exitTarget/);
  });

  it('gives each subscriber its own poll count', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const ticks$ = hot('       f-f-f-', T);
      const monitored = exitMonitor(options({ logEvery: 2 }));
      expectObservable(ticks$.pipe(monitored)).toBe('--a---', { a: monitoringAt(2, 2, FAR) });
      expectObservable(ticks$.pipe(monitored), '--^---').toBe('----b-', { b: monitoringAt(4, 2, FAR) });
    });
  });

  it('reads the clock only for polls that report something when there is no book age limit', () => {
    const ticks$ = new Subject<MarketTick>();
    let clockReads = 0;
    const scheduler: SchedulerLike = {
      now: () => {
        clockReads += 1;
        return 7;
      },
      schedule: asyncScheduler.schedule.bind(asyncScheduler),
    };
    const seen: ExitEvent[] = [];
    const sub = ticks$.pipe(exitMonitor(options({ logEvery: 5, scheduler }))).subscribe((e) => seen.push(e));
    for (let i = 0; i < 9; i++) ticks$.next(T.f);
    sub.unsubscribe();

    expect(seen).toEqual([monitoringAt(7, 5, FAR)]);
    expect(clockReads).toBe(1);
  });
  it('with a book age limit, reads the clock (and checks the books) only for polls at the target or that report', () => {
    const ticks$ = new Subject<MarketTick>();
    let clockReads = 0;
    const scheduler: SchedulerLike = {
      now: () => {
        clockReads += 1;
        return 7;
      },
      schedule: asyncScheduler.schedule.bind(asyncScheduler),
    };
    const seen: ExitEvent[] = [];
    const sub = ticks$.pipe(exitMonitor(options({ logEvery: 5, maxBookAgeMs: 1_000, scheduler }))).subscribe((e) => seen.push(e));
    // Nine polls below the target: only the fifth reports, so only it reads the clock (age check, event time).
    for (let i = 0; i < 9; i++) ticks$.next(T.f);
    expect(seen).toEqual([monitoringAt(7, 5, FAR)]);
    expect(clockReads).toBe(2);
    sub.unsubscribe();
  });
});

describe('exitMonitor: re-entrant ticks', () => {
  it('ignores and does not count a tick pushed while one of its events is being delivered', () => {
    const ticks$ = new Subject<MarketTick>();
    const seen: ExitEvent[] = [];
    const sub = ticks$.pipe(exitMonitor(options({ logEvery: 1 }))).subscribe((e) => {
      seen.push(e);
      // A consumer that feeds the source from its handler: that tick meets an operator still busy.
      if (seen.length === 1) ticks$.next(T.f);
    });
    ticks$.next(T.f);
    ticks$.next(T.f);
    sub.unsubscribe();

    expect(seen.map((e) => e.polls)).toEqual([1, 2]);
  });
});

describe('exitMonitor: forced exits (holding limit, adverse carry)', () => {
  const FAR_TICK: DecidingTick = { time: 0, entryAOverB: pct(100_040, 100_000), entryBOverA: FAR };
  const forcedExitAt = (time: number, polls: number, reason: 'max_duration' | 'adverse_funding', carryBpsPerHour?: number): ExitEvent =>
    events.tradeExit(time, {
      pair: PAIR,
      polls,
      entrySpread: ENTRY,
      exitSpread: FAR,
      exitTarget: TARGET,
      profit: ENTRY + FAR,
      reason,
      ...(carryBpsPerHour !== undefined ? { carryBpsPerHour } : {}),
      tick: FAR_TICK,
    });
  const forcedClosedAt = (time: number, polls: number, reason: 'max_duration' | 'adverse_funding'): ExitEvent =>
    events.positionClosed(time, { pair: PAIR, polls, entrySpread: ENTRY, exitSpread: FAR, profit: ENTRY + FAR, reason });
  // AOverB is long A, short B: its carry is rate(B) − rate(A), per hour.
  const RATES = {
    earning: { a: -0.00001, b: 0.00002 }, // +0.3 bp/h
    mildlyAdverse: { a: 0.00001, b: 0 }, // −0.1 bp/h: within a 0.2 bp/h bound
    adverse: { a: 0.00002, b: -0.00001 }, // −0.3 bp/h: beyond it
  };
  const ADVERSE_BPS = (RATES.adverse.b - RATES.adverse.a) * 10_000;

  it('closes at the first tradable poll once the holding limit has passed, whatever the exit spread, and says why', () => {
    testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const ticks$ = hot('       f-f-f-f-f-', T);
      const close = cold('                 -r|', { r: ok });
      const expected = '         ----x(cs|)';
      expectObservable(ticks$.pipe(exitMonitor(options({ closeAt: 3, closePosition: () => close })))).toBe(expected, {
        x: forcedExitAt(4, 3, 'max_duration'),
        c: forcedClosedAt(5, 3, 'max_duration'),
        s: stoppedAt(5, 3, 'closed'),
      });
      expectSubscriptions(close.subscriptions).toBe('----^!');
    });
  });

  it('closes a position held past its limit before this run (a restored one) at the first tradable poll', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const ticks$ = hot('       --f-f-', T);
      const expected = '         --x-(cs|)';
      expectObservable(ticks$.pipe(exitMonitor(options({ closeAt: -3_600_000, closePosition: () => cold('--r|', { r: ok }) })))).toBe(expected, {
        x: forcedExitAt(2, 1, 'max_duration'),
        c: forcedClosedAt(4, 1, 'max_duration'),
        s: stoppedAt(4, 1, 'closed'),
      });
    });
  });

  it('a forced exit waits for a tradable book (never closes into a stale one)', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const stale = tick(farA, { ...shortB, stale: true });
      const ticks$ = hot('       s-s-f-', { s: stale, f: T.f });
      const expected = '         ----x-(cs|)';
      expectObservable(ticks$.pipe(exitMonitor(options({ closeAt: 0, closePosition: () => cold('--r|', { r: ok }) })))).toBe(expected, {
        x: forcedExitAt(4, 3, 'max_duration'),
        c: forcedClosedAt(6, 3, 'max_duration'),
        s: stoppedAt(6, 3, 'closed'),
      });
    });
  });

  it('reports the target, not the limit, when a poll past the limit also reaches the target', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const ticks$ = hot('       --n-', T);
      const expected = '         --(xcs|)';
      expectObservable(ticks$.pipe(exitMonitor(options({ closeAt: 0, closePosition: () => cold('r|', { r: ok }) })))).toBe(expected, {
        x: exitAt(2, 1),
        c: closedAt(2, 1),
        s: stoppedAt(2, 1, 'closed'),
      });
    });
  });

  it('after a failed forced close keeps the limit and retries at the next tradable poll', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const ticks$ = hot('       -f-f-f-', T);
      let attempts = 0;
      const closePosition = () => (++attempts === 1 ? cold('-r|', { r: rejected }) : cold('-r|', { r: ok }));
      const expected = '         -xfy(cs|)';
      expectObservable(ticks$.pipe(exitMonitor(options({ closeAt: 0, closePosition })))).toBe(expected, {
        x: forcedExitAt(1, 1, 'max_duration'),
        f: failedAt(2, 1, rejected.reason!),
        y: forcedExitAt(3, 2, 'max_duration'),
        c: forcedClosedAt(4, 2, 'max_duration'),
        s: stoppedAt(4, 2, 'closed'),
      });
    });
  });

  it('closes when the carry turns against the position beyond the bound, and says so with the carry', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const ticks$ = hot('       f-f-f-f-f-', T);
      const funding$ = hot('     e--a------', { e: RATES.earning, a: RATES.adverse });
      const expected = '         ----x-(cs|)';
      const monitor = exitMonitor(options({ funding$, fundingExitBpsPerHour: 0.2, closePosition: () => cold('--r|', { r: ok }) }));
      expectObservable(ticks$.pipe(monitor)).toBe(expected, {
        x: forcedExitAt(4, 3, 'adverse_funding', ADVERSE_BPS),
        c: forcedClosedAt(6, 3, 'adverse_funding'),
        s: stoppedAt(6, 3, 'closed'),
      });
    });
  });

  it('keeps the position while the carry is against it by less than the bound, or turns back before a poll', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const ticks$ = hot('       f-f-f-f-f-|', T);
      const funding$ = hot('     m--(ae)---', { m: RATES.mildlyAdverse, a: RATES.adverse, e: RATES.earning });
      expectObservable(ticks$.pipe(exitMonitor(options({ funding$, fundingExitBpsPerHour: 0.2 })))).toBe('----------|');
    });
  });

  it('ignores funding without a bound, and a funding feed that fails forces nothing', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const ticks$ = hot('       f-f-f-|', T);
      const adverse$ = hot('     a-----', { a: RATES.adverse });
      const failing$ = hot('     a#', { a: RATES.adverse });
      expectObservable(ticks$.pipe(exitMonitor(options({ funding$: adverse$ })))).toBe('------|');
      expectObservable(ticks$.pipe(exitMonitor(options({ funding$: failing$, fundingExitBpsPerHour: 0.2 })))).toBe('------|');
    });
  });

  it('refuses a negative or non-finite adverse-carry bound and a NaN holding limit, naming the pair', () => {
    expect(() => exitMonitor(options({ fundingExitBpsPerHour: -1 }))).toThrow('exitMonitor(BTC-PERP): fundingExitBpsPerHour must be a finite number >= 0, got -1');
    expect(() => exitMonitor(options({ fundingExitBpsPerHour: Infinity }))).toThrow(/fundingExitBpsPerHour/);
    expect(() => exitMonitor(options({ closeAt: Number.NaN }))).toThrow('exitMonitor(BTC-PERP): closeAt must be a time in ms, got NaN');
  });
});

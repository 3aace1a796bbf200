/**
 * entrySignal: which ticks make an entry signal, in virtual time (marble tests). Ticks are stamped with
 * the virtual clock so `detectedAt` can be checked against the frame of the confirming tick.
 */
import { asyncScheduler, map, type Observable, type SchedulerLike, Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { MarketTick, SpreadOpportunity } from '../../src/domain/market';
import { bookFromLevels, type OrderBook } from '../../src/domain/order-book';
import type { Direction, TakerFees } from '../../src/domain/spread';
import { entrySignal, type EntrySignalOptions } from '../../streams/entry-signal';

const PAIR = 'BTC-PERP';
const FEES: TakerFees = { a: 0.0002, b: 0.0003 }; // round trip = 2·(2+3) bp = 0.10 %
const THRESHOLD = 0.05; // net, percent

type Side = ReadonlyArray<readonly [price: number, size: number]>;

function book(bids: Side, asks: Side, meta: { receivedAt?: number; stale?: boolean } = {}): OrderBook {
  const levels = (side: Side) => side.map(([price, size]) => ({ price, size }));
  const built = bookFromLevels(levels(bids), levels(asks), { receivedAt: meta.receivedAt ?? 0 });
  return meta.stale ? { ...built, stale: true } : built;
}

const tick = (a: OrderBook, b: OrderBook): MarketTick => ({ a, b, time: 0 });

const pct = (sell: number, buy: number): number => ((sell - buy) / buy) * 100;
const net = (gross: number, fees: TakerFees = FEES): number => gross - 2 * (fees.a + fees.b) * 100;

// A = Vest, B = Paradex. AOverB buys A at its ask and sells B at its bid.
const vest = book([[99_990, 0.5]], [[100_000, 0.5]]);
const T = {
  /** AOverB 0.20 % gross, 0.10 % net. */
  h: tick(vest, book([[100_200, 0.5]], [[100_210, 0.5]])),
  /** AOverB 0.12 % gross (above the threshold) but 0.02 % net (below it). */
  l: tick(vest, book([[100_120, 0.5]], [[100_130, 0.5]])),
  /** BOverA 0.20 % gross: buy B at 100 000, sell A at 100 200. */
  r: tick(book([[100_200, 0.5]], [[100_210, 0.5]]), book([[99_990, 0.5]], [[100_000, 0.5]])),
  /** AOverB 0.04 % gross: below the threshold unless a rebate lifts it. */
  n: tick(vest, book([[100_040, 0.5]], [[100_050, 0.5]])),
  /** Paradex has no bids: nothing can be decided. */
  m: tick(vest, book([], [[100_210, 0.5]])),
};

const opportunityAt = (detectedAt: number, t: MarketTick, direction: Direction): SpreadOpportunity => {
  const [askA, bidA, askB, bidB] = [t.a.asks[0]!.price, t.a.bids[0]!.price, t.b.asks[0]!.price, t.b.bids[0]!.price];
  const spread = direction === 'AOverB' ? pct(bidB, askA) : pct(bidA, askB);
  return { pair: PAIR, direction, spread, netSpread: net(spread), askA, bidA, askB, bidB, detectedAt };
};

/** Stamps ticks with the virtual clock, as marketTicks would. */
const stamped = (ticks$: Observable<MarketTick>) => ticks$.pipe(map((t) => ({ ...t, time: asyncScheduler.now() })));

const signal = (overrides: Partial<EntrySignalOptions> = {}) =>
  entrySignal({ pair: PAIR, entryThreshold: THRESHOLD, fees: FEES, ...overrides });

const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('entrySignal', () => {
  it('signals on a tick whose net spread reaches the threshold', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const ticks$ = hot('       l-h-l-', T);
      const expected = '         --x---';
      expectObservable(stamped(ticks$).pipe(signal())).toBe(expected, { x: opportunityAt(2, T.h, 'AOverB') });
    });
  });

  it('compares the venues in one unit (tick.bToA): USDC under par lifts a Paradex bid below the threshold over it', () => {
    // T.l is 0.12 % gross in mixed units (0.02 % net). With 1 USDC = 0.999 USD, Paradex's 100,120 USD bid is
    // 100,220.2 USDC against Vest's 100,000 USDC ask: 0.22 % gross, 0.12 % net.
    const k = 1 / 0.999;
    const inOneUnit = { l: { ...T.l, bToA: k } };
    testScheduler().run(({ hot, expectObservable }) => {
      const ticks$ = hot('       l-l-', inOneUnit);
      const spread = pct(100_120 * k, 100_000);
      // The opportunity keeps each venue's own prices (orders are priced from them) and the factor it was read with.
      const x = (at: number) => ({ ...opportunityAt(at, T.l, 'AOverB'), spread, netSpread: net(spread), bToA: k });
      expectObservable(stamped(ticks$).pipe(signal())).toBe('x-y-', { x: x(0), y: x(2) });
      expect(spread).toBeCloseTo(0.2202, 4);
    });
  });

  it('does not signal a gross spread above the threshold whose net of fees is below it', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const ticks$ = hot('       l-l-l-', T);
      const noFees: TakerFees = { a: 0, b: 0 };
      expectObservable(stamped(ticks$).pipe(signal())).toBe('------');
      // The same ticks do signal without fees: it is the netting that holds them back.
      expectObservable(stamped(ticks$).pipe(signal({ fees: noFees }))).toBe('x-y-z-', {
        x: { ...opportunityAt(0, T.l, 'AOverB'), netSpread: pct(100_120, 100_000) },
        y: { ...opportunityAt(2, T.l, 'AOverB'), netSpread: pct(100_120, 100_000) },
        z: { ...opportunityAt(4, T.l, 'AOverB'), netSpread: pct(100_120, 100_000) },
      });
    });
  });

  it('counts a rebate (a negative taker fee) in the net spread: it can lift a spread over the threshold', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const ticks$ = hot('       n-n-', T);
      const rebate: TakerFees = { a: -0.0001, b: 0 }; // Vest pays 1 bp: a round trip earns 0.02 %
      expectObservable(stamped(ticks$).pipe(signal({ fees: { a: 0, b: 0 } }))).toBe('----');
      expectObservable(stamped(ticks$).pipe(signal({ fees: rebate }))).toBe('x-y-', {
        x: { ...opportunityAt(0, T.n, 'AOverB'), netSpread: net(pct(100_040, 100_000), rebate) },
        y: { ...opportunityAt(2, T.n, 'AOverB'), netSpread: net(pct(100_040, 100_000), rebate) },
      });
    });
  });

  it('needs confirmTicks consecutive qualifying ticks, and an interruption restarts the count', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const ticks$ = hot('       h-h-l-h-h-m-h-h-h-', T);
      const expected = '         ----------------x-';
      expectObservable(stamped(ticks$).pipe(signal({ confirmTicks: 3 }))).toBe(expected, { x: opportunityAt(16, T.h, 'AOverB') });
    });
  });

  it('restarts the count after a signal, so a lasting spread signals every confirmTicks ticks', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const ticks$ = hot('       h-h-h-h-h-', T);
      const expected = '         --x---y---';
      expectObservable(stamped(ticks$).pipe(signal({ confirmTicks: 2 }))).toBe(expected, {
        x: opportunityAt(2, T.h, 'AOverB'),
        y: opportunityAt(6, T.h, 'AOverB'),
      });
    });
  });

  it('restarts the count when the best direction flips', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const ticks$ = hot('       h-r-h-r-r-', T);
      const expected = '         --------x-';
      expectObservable(stamped(ticks$).pipe(signal({ confirmTicks: 2 }))).toBe(expected, { x: opportunityAt(8, T.r, 'BOverA') });
    });
  });

  it('never signals while a side is missing, even one the entry does not trade on', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      // Vest without bids: AOverB only needs Vest's ask, but the exit will need the bid.
      const noVestBids = tick(book([], [[100_000, 0.5]]), T.h.b);
      const ticks$ = hot('       m-n-m-n-', { ...T, n: noVestBids });
      expectObservable(stamped(ticks$).pipe(signal())).toBe('--------');
    });
  });

  it('never signals on a stale or too old book', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const staleParadex = tick(T.h.a, { ...T.h.b, stale: true });
      const ticks$ = hot('       s---h-', { s: staleParadex, h: T.h });
      // Both books were received at 0: at frame 4 they are 4 ms old, over the 3 ms limit.
      expectObservable(stamped(ticks$).pipe(signal())).toBe('----x-', { x: opportunityAt(4, T.h, 'AOverB') });
      expectObservable(stamped(ticks$).pipe(signal({ maxBookAgeMs: 3 }))).toBe('------');
    });
  });

  it('prices a sized entry at the VWAP of that size, and never signals on a book too thin for it', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      // Top bid 100 200 (0.20 % gross), but 0.25 BTC fills at VWAP 100 150 (0.15 % gross, 0.05 % net).
      const deepVest = book([[99_990, 1]], [[100_000, 1]]);
      const shallowParadex = book([[100_200, 0.125], [100_100, 1]], [[100_210, 1]]);
      const thinParadex = book([[100_200, 0.125]], [[100_210, 1]]);
      const ticks$ = hot('       s-t-', { s: tick(deepVest, shallowParadex), t: tick(deepVest, thinParadex) });
      const spread = pct(100_150, 100_000);
      expectObservable(stamped(ticks$).pipe(signal({ size: 0.25, entryThreshold: 0.08 }))).toBe('----');
      expectObservable(stamped(ticks$).pipe(signal({ size: 0.25, entryThreshold: 0.04 }))).toBe('x---', {
        x: { pair: PAIR, direction: 'AOverB', spread, netSpread: net(spread), askA: 100_000, bidA: 99_990, askB: 100_210, bidB: 100_150, detectedAt: 0 },
      });
    });
  });

  it('with a book age limit, reads the clock only for ticks whose spread qualifies', () => {
    const ticks$ = new Subject<MarketTick>();
    let clockReads = 0;
    const scheduler: SchedulerLike = {
      now: () => {
        clockReads += 1;
        return 0;
      },
      schedule: asyncScheduler.schedule.bind(asyncScheduler),
    };
    const seen: SpreadOpportunity[] = [];
    const sub = ticks$.pipe(signal({ maxBookAgeMs: 1_000, scheduler })).subscribe((o) => seen.push(o));
    for (let i = 0; i < 5; i++) ticks$.next(T.n);
    expect(clockReads).toBe(0);
    ticks$.next(T.h);
    expect(clockReads).toBe(1);
    expect(seen).toEqual([opportunityAt(0, T.h, 'AOverB')]);
    sub.unsubscribe();
  });

  it('rejects options that cannot work', () => {
    expect(() => signal({ confirmTicks: 0 })).toThrow(/confirmTicks/);
    expect(() => signal({ confirmTicks: 1.5 })).toThrow(/confirmTicks/);
    expect(() => signal({ size: 0 })).toThrow(/size/);
    // Rebates are fees too, down to -1 %; beyond that (or not a number) the fee is not believable.
    expect(() => signal({ fees: { a: -0.01, b: 0 } })).toThrow(/taker fee/);
    expect(() => signal({ fees: { a: 0, b: 0.01 } })).toThrow(/taker fee/);
    expect(() => signal({ fees: { a: Number.NaN, b: 0 } })).toThrow(/taker fee/);
    expect(() => signal({ fees: { a: -0.0099, b: 0.0099 } })).not.toThrow();
    expect(() => signal({ entryThreshold: Number.NaN })).toThrow(/entryThreshold/);
  });
});

describe('entrySignal with funding carry', () => {
  // AOverB is long A, short B: it earns rate(B) − rate(A) per hour. README's worked example: 0.6 bp/h over 8 h = 0.048 %.
  const EARNS = { a: -0.00001, b: 0.00005 };
  const PAYS = { a: 0.00005, b: -0.00001 };
  const hold = (hours: number, from: 'config' | 'observed_median' | 'fallback' = 'config') => ({ hours, from });
  const B = {
    earns8h: { rates: EARNS, hold: hold(8) },
    pays8h: { rates: PAYS, hold: hold(8) },
    pays12h: { rates: PAYS, hold: hold(12) },
    none: { rates: undefined, hold: hold(1, 'fallback') },
  };
  const counted = (rates: { a: number; b: number }, hours: number, direction: Direction = 'AOverB') => {
    const perHour = direction === 'AOverB' ? rates.b - rates.a : rates.a - rates.b;
    return { status: 'counted' as const, carryPct: perHour * hours * 100, holdHours: hours, holdFrom: 'config' as const, rateA: rates.a, rateB: rates.b };
  };

  it('enters when the expected carry lifts a net spread below the threshold over it, and says how much is carry', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const carry$ = hot('       --e---', { e: B.earns8h });
      const ticks$ = hot('       l-l-l-', T);
      // T.l nets 0.02 % (< 0.05 %); with +0.048 % of carry its edge is 0.068 %.
      const carry = counted(EARNS, 8);
      expect(carry.carryPct).toBeCloseTo(0.048, 12);
      expectObservable(stamped(ticks$).pipe(signal({ carry$ }))).toBe('--x-y-', {
        x: { ...opportunityAt(2, T.l, 'AOverB'), carry },
        y: { ...opportunityAt(4, T.l, 'AOverB'), carry },
      });
    });
  });

  it('holds back a net spread above the threshold when the carry against it over the hold eats the edge', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      // Declared first: its frame-0 value is there before the frame-0 tick.
      const carry$ = hot('       p-----q-', { p: B.pays8h, q: B.pays12h });
      const ticks$ = hot('       h-h-h-h-', T);
      // T.h nets 0.10 %: −0.048 % of carry leaves 0.052 % (enters); −0.072 % leaves 0.028 % (does not).
      expectObservable(stamped(ticks$).pipe(signal({ carry$ }))).toBe('x-y-z---', {
        x: { ...opportunityAt(0, T.h, 'AOverB'), carry: counted(PAYS, 8) },
        y: { ...opportunityAt(2, T.h, 'AOverB'), carry: counted(PAYS, 8) },
        z: { ...opportunityAt(4, T.h, 'AOverB'), carry: counted(PAYS, 8) },
      });
    });
  });

  it('picks the direction with the better edge, carry included', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      // AOverB 0.04 % gross, BOverA (buy B at 100 050, sell A at 99 990) −0.06 % gross; no fees.
      const rates = { a: 0.0005, b: -0.0005 }; // BOverA earns 10 bp/h; over 1 h +0.1 %: edge 0.04 % > AOverB's −0.06 %.
      const carry$ = hot('       c-', { c: { rates, hold: hold(1) } });
      const ticks$ = hot('       n-', T);
      const noFees: TakerFees = { a: 0, b: 0 };
      const t = T.n;
      const spread = pct(t.a.bids[0]!.price, t.b.asks[0]!.price);
      expectObservable(stamped(ticks$).pipe(signal({ carry$, fees: noFees, entryThreshold: 0.03 }))).toBe('x-', {
        x: { ...opportunityAt(0, t, 'BOverA'), netSpread: spread, carry: counted(rates, 1, 'BOverA') },
      });
    });
  });

  it('counts no carry before funding arrives, and says so', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const carry$ = hot('       n---', { n: B.none });
      const ticks$ = hot('       l-h-', T);
      expectObservable(stamped(ticks$).pipe(signal({ carry$ }))).toBe('--x-', {
        x: { ...opportunityAt(2, T.h, 'AOverB'), carry: { status: 'no funding yet', carryPct: 0 } },
      });
    });
  });

  it('decides on the ticks alone while the carry source has not emitted, and completes with the ticks', () => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const ticks$ = hot('       h-|', T);
      const carry$ = hot<never>('--------');
      expectObservable(stamped(ticks$).pipe(signal({ carry$ }))).toBe('x-|', {
        x: { ...opportunityAt(0, T.h, 'AOverB'), carry: { status: 'no funding yet', carryPct: 0 } },
      });
      expectSubscriptions(carry$.subscriptions).toBe('^-!');
    });
  });
});

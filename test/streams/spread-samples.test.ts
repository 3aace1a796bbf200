/**
 * spreadSamples$: SPREAD_MONITORING at the sample cadence, from a real pairContext over scripted books, in
 * virtual time. Each sample carries the latest tick's spreads at the position size, the books' ages, and the
 * monitored position marked to the books. Inside TestScheduler.run the asyncScheduler is virtual.
 */
import { asyncScheduler } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { events } from '../../src/domain/events';
import type { TakerFees } from '../../src/domain/spread';
import type { OpenedPosition } from '../../streams/pair-executor';
import { spreadSample, spreadSamples$ } from '../../streams/spread-samples';
import { book, pairRig, tickOf } from './pair-rig';

const PAIR = 'BTC-PERP';
const SIZE = 0.25;
const FEES: TakerFees = { a: 0.0002, b: 0.0003 }; // round trip 2·(2+3) bp = 0.10 %
const pct = (sell: number, buy: number): number => ((sell - buy) / buy) * 100;

// A = Vest, B = Paradex. B trades rich: AOverB (buy A at 100 000, sell B at 100 200) is +0.20 % gross.
const A = book([[99_990, 0.5]], [[100_000, 0.5]]);
const B = book([[100_200, 0.5]], [[100_210, 0.5]]);
// Thinner than the size on B's bid: the VWAP for 0.25 walks into the second level.
const B2 = book(
  [
    [100_300, 0.125],
    [100_100, 0.5],
  ],
  [[100_310, 0.5]],
);

const figures = {
  entryAOverB: pct(100_200, 100_000),
  netEntryAOverB: pct(100_200, 100_000) - 0.1,
  entryBOverA: pct(99_990, 100_210),
  netEntryBOverA: pct(99_990, 100_210) - 0.1,
  exitAOverB: pct(99_990, 100_210),
  exitBOverA: pct(100_200, 100_000),
};

const sampleAt = (time: number, extra: object = {}) =>
  events.spreadMonitoring(time, { pair: PAIR, ...figures, bookAgeAMs: time, bookAgeBMs: time, ...extra });

const testScheduler = () =>
  new TestScheduler((actual, expected) => {
    expect(actual).toEqual(expected);
  });

describe('spreadSamples$', () => {
  it('emits one SPREAD_MONITORING per sample period, carrying the latest tick only', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const a$ = hot('a--------------', { a: A });
      const b$ = hot('-b----------b--', { b: B });
      // ticks at 1 and 12; spreadSampleMs = 5 → samples at 5 (tick of 1) and 15 (tick of 12); 10 has nothing new
      const { ctx } = pairRig({ a$, b$, scheduler: asyncScheduler, fees: FEES, settings: { spreadSampleMs: 5 } });
      expectObservable(spreadSamples$(ctx), '^--------------!').toBe('-----s---------', { s: sampleAt(1) });
    });
  });

  it('reports the spreads at the position size, the VWAP the bot decides on', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const a$ = hot('a----', { a: A });
      const b$ = hot('b----', { b: B2 });
      const { ctx } = pairRig({ a$, b$, scheduler: asyncScheduler, fees: FEES, pair: { positionSize: SIZE } });
      const bidB = (100_300 * 0.125 + 100_100 * 0.125) / SIZE; // 100 200, not the top bid 100 300
      const s = events.spreadMonitoring(0, {
        pair: PAIR,
        entryAOverB: pct(bidB, 100_000),
        netEntryAOverB: pct(bidB, 100_000) - 0.1,
        entryBOverA: pct(99_990, 100_310),
        netEntryBOverA: pct(99_990, 100_310) - 0.1,
        exitAOverB: pct(99_990, 100_310),
        exitBOverA: pct(bidB, 100_000),
        bookAgeAMs: 0,
        bookAgeBMs: 0,
      });
      expectObservable(spreadSamples$(ctx), '^----!').toBe('-----', {}); // first sample falls at 5, after this window
      expectObservable(spreadSamples$(ctx), '^-----!').toBe('-----s', { s });
    });
  });

  it('marks the monitored position to the books, with exit fees, until it is forgotten', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const a$ = hot('a---------', { a: A });
      const b$ = hot('b-------b-', { b: B });
      const { ctx } = pairRig({ a$, b$, scheduler: asyncScheduler, fees: FEES });
      const position: OpenedPosition = { pair: PAIR, direction: 'AOverB', entrySpread: 0.2, size: SIZE, longEntryPrice: 100_000, shortEntryPrice: 100_200 };
      cold('--p---u', { p: position, u: undefined }).subscribe((p) => ctx.monitored.next(p));
      const mark = {
        direction: 'AOverB' as const,
        size: SIZE,
        entrySpread: 0.2,
        longEntryPrice: 100_000,
        shortEntryPrice: 100_200,
        longExitPrice: 99_990, // sell the long A leg at A's bid
        shortExitPrice: 100_210, // buy the short B leg back at B's ask
        grossUsd: SIZE * (99_990 - 100_000) + SIZE * (100_200 - 100_210), // −5
        exitFeesUsd: SIZE * 99_990 * FEES.a + SIZE * 100_210 * FEES.b,
        netUsd: -5 - (SIZE * 99_990 * FEES.a + SIZE * 100_210 * FEES.b),
      };
      expectObservable(spreadSamples$(ctx), '^----------!').toBe('-----m----s', {
        m: events.spreadMonitoring(0, { pair: PAIR, ...figures, bookAgeAMs: 0, bookAgeBMs: 0, position: mark }),
        s: sampleAt(8), // the tick of frame 8, after the position was forgotten at 6
      });
    });
  });

  it('stops sampling at shutdown', () => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const a$ = hot('a------------', { a: A });
      const b$ = hot('b------------', { b: B });
      const stop$ = hot('-------s', { s: true as const });
      const { ctx } = pairRig({ a$, b$, stop$, scheduler: asyncScheduler, fees: FEES });
      expectObservable(spreadSamples$(ctx)).toBe('-----s-|', { s: sampleAt(0, { bookAgeAMs: 0, bookAgeBMs: 0 }) });
      expectSubscriptions(a$.subscriptions).toBe('^------!');
    });
  });
});

describe('spreadSample', () => {
  it('leaves out, never zeroes, a spread whose book side is empty', () => {
    const noBidsB = book([], [[100_210, 0.5]], 0);
    const s = spreadSample(PAIR, tickOf(A, noBidsB, 40), FEES, undefined, SIZE);
    expect(s).toEqual(
      events.spreadMonitoring(40, { pair: PAIR, entryBOverA: figures.entryBOverA, netEntryBOverA: figures.netEntryBOverA, exitAOverB: figures.exitAOverB, bookAgeAMs: 40, bookAgeBMs: 40 }),
    );
  });

  it('does not mark a position whose entry fill prices are unknown', () => {
    const position: OpenedPosition = { pair: PAIR, direction: 'AOverB', entrySpread: 0.2, size: SIZE };
    const s = spreadSample(PAIR, tickOf(book([[99_990, 0.5]], [[100_000, 0.5]], 10), B, 25), FEES, position, SIZE);
    expect(s).toEqual(events.spreadMonitoring(25, { pair: PAIR, ...figures, bookAgeAMs: 15, bookAgeBMs: 25 }));
    expect(s).not.toHaveProperty('position');
  });
});

/**
 * marketTicks: pairing and sampling of the two venues' books, in virtual time (marble tests);
 * isTradableTick: which ticks a decision may be made on.
 */
import { NEVER, type SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { MarketTick } from '../../src/domain/market';
import { bookFromLevels, type OrderBook } from '../../src/domain/order-book';
import { isTradableTick, marketTicks } from '../../streams/market';

/** A one-level book around `mid`; receivedAt tells the books apart in the expectations. */
function book(mid: number, receivedAt: number): OrderBook {
  return bookFromLevels([{ price: mid - 5, size: 0.5 }], [{ price: mid + 5, size: 0.5 }], { receivedAt });
}

// Vest (A) and Paradex (B) books as they would arrive.
const A = { a: book(100_000, 0), c: book(100_010, 2), e: book(100_020, 13) };
const B = { b: book(100_030, 1), d: book(100_040, 3) };

const tickAt = (time: number, a: OrderBook, b: OrderBook): MarketTick => ({ a, b, time });

const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('marketTicks', () => {
  it('emits every update once both books have arrived when sampleMs is 0', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const a$ = hot('           -a---c--', A);
      const b$ = hot('           ---b---d', B);
      const expected = '         ---x-y-z';
      expectObservable(marketTicks(a$, b$, { sampleMs: 0 })).toBe(expected, {
        x: tickAt(3, A.a, B.b),
        y: tickAt(5, A.c, B.b),
        z: tickAt(7, A.c, B.d),
      });
    });
  });

  it('emits only the latest pair of each sampling window, and nothing for a window without updates', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const a$ = hot('           a-c----------e---', A);
      const b$ = hot('           -b-d-------------', B);
      const unsubscribe = '      ^----------------!';
      const expected = '         ----x-----------y';
      expectObservable(marketTicks(a$, b$, { sampleMs: 4 }), unsubscribe).toBe(expected, {
        x: tickAt(4, A.c, B.d),
        y: tickAt(16, A.e, B.d),
      });
    });
  });

  it('stamps each tick with the injected scheduler time', () => {
    const virtual = testScheduler();
    // A clock offset from virtual time shows the stamp comes from the injected scheduler.
    const scheduler: SchedulerLike = { now: () => 1_700_000_000_000 + virtual.now(), schedule: virtual.schedule.bind(virtual) };
    virtual.run(({ hot, expectObservable }) => {
      const a$ = hot('           a-------', A);
      const b$ = hot('           --b---d-', B);
      const unsubscribe = '      ^------!';
      const expected = '         ----x---';
      expectObservable(marketTicks(a$, b$, { sampleMs: 4, scheduler }), unsubscribe).toBe(expected, {
        x: tickAt(1_700_000_000_004, A.a, B.b),
      });
    });
  });

  it('propagates a feed error', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const feedError = new Error('paradex feed: gave up reconnecting');
      const a$ = hot('           a------', A);
      const b$ = hot('           -b--#', B, feedError);
      const expected = '         -x--#';
      expectObservable(marketTicks(a$, b$, { sampleMs: 0 })).toBe(expected, { x: tickAt(1, A.a, B.b) }, feedError);
    });
  });

  it('completes as soon as either feed completes, instead of pairing with a dead feed', () => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const a$ = hot('           a--|', A);
      const b$ = hot('           -b---d', B);
      const expected = '         -x-|';
      expectObservable(marketTicks(a$, b$, { sampleMs: 0 })).toBe(expected, { x: tickAt(1, A.a, B.b) });
      expectSubscriptions(b$.subscriptions).toBe('^--!');
    });
  });

  it('drops the pair still waiting in the sampling window when a feed completes', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const a$ = hot('           a-----c|', A);
      const b$ = hot('           -b------', B);
      const expected = '         ----x--|';
      expectObservable(marketTicks(a$, b$, { sampleMs: 4 })).toBe(expected, { x: tickAt(4, A.a, B.b) });
    });
  });

  it('rejects a negative or non-finite sampleMs', () => {
    testScheduler().run(({ cold }) => {
      expect(() => marketTicks(cold('a', A), cold('b', B), { sampleMs: -1 })).toThrow(RangeError);
      expect(() => marketTicks(cold('a', A), cold('b', B), { sampleMs: Number.NaN })).toThrow(RangeError);
    });
  });
  it('stamps every tick with the factor that puts B in A’s unit (USDC/USD), and leaves the books as the venues sent them', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const a$ = hot('           -a---c--', A);
      const b$ = hot('           ---b---d', B);
      const k = 1 / 0.9995;
      expectObservable(marketTicks(a$, b$, { sampleMs: 0, bToA: k })).toBe('---x-y-z', {
        x: { ...tickAt(3, A.a, B.b), bToA: k },
        y: { ...tickAt(5, A.c, B.b), bToA: k },
        z: { ...tickAt(7, A.c, B.d), bToA: k },
      });
    });
    expect(() => marketTicks(NEVER, NEVER, { sampleMs: 0, bToA: 0 })).toThrow(/bToA/);
  });
});

describe('isTradableTick', () => {
  const fresh = tickAt(0, book(100_000, 1_000), book(100_030, 1_002));

  it('accepts fresh, uncrossed books', () => {
    expect(isTradableTick(fresh, 1_005)).toBe(true);
    expect(isTradableTick(fresh, 1_005, 5)).toBe(true);
  });

  it('refuses a book its feed flagged stale', () => {
    expect(isTradableTick({ ...fresh, b: { ...fresh.b, stale: true } }, 1_005)).toBe(false);
  });

  it('refuses a crossed book', () => {
    const crossed = bookFromLevels([{ price: 100_010, size: 1 }], [{ price: 100_000, size: 1 }], { receivedAt: 1_000 });
    expect(isTradableTick({ ...fresh, a: crossed }, 1_005)).toBe(false);
  });

  it('refuses a book received longer ago than maxBookAgeMs', () => {
    expect(isTradableTick(fresh, 1_006, 5)).toBe(false); // A is 6 ms old
  });
});

/** fundingAccrued in virtual time: index differences per leg, one event per period at most, only on news. */
import { TestScheduler } from 'rxjs/testing';
import type { PairFunding } from '../../src/domain/funding';
import { fundingAccrued } from '../../streams/funding-accrued';

const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

// The README's worked example: AOverB = long A (Vest), short B (Paradex), 0.01 BTC per leg, entered at
// Vest cumFunding 50.00 and Paradex funding_index 1,200.00.
const position = { direction: 'AOverB' as const, size: 0.01, fundingIndexAtEntry: { long: 50, short: 1_200 } };
const at = (vest: number, paradex: number): PairFunding => ({
  a: { ratePerHour: -0.00001, index: vest, at: 0 },
  b: { ratePerHour: 0.00005, index: paradex, at: 0 },
});

describe('fundingAccrued', () => {
  it('books each leg from its own index since entry: the short Paradex leg receives, the long Vest leg receives too', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const funding$ = hot('-x-------|', { x: at(42.4, 1_238) });
      const op = fundingAccrued({ pair: 'BTC-PERP', position, longVenue: 'vest', shortVenue: 'paradex', periodMs: 5 });
      expectObservable(funding$.pipe(op)).toBe('-----e---|', {
        e: {
          type: 'FUNDING_ACCRUED',
          time: 5,
          pair: 'BTC-PERP',
          direction: 'AOverB',
          size: 0.01,
          longVenue: 'vest',
          shortVenue: 'paradex',
          longUsd: expect.closeTo(0.076, 12),
          shortUsd: expect.closeTo(0.38, 12),
          totalUsd: expect.closeTo(0.456, 12),
          longRatePerHour: -0.00001,
          shortRatePerHour: 0.00005,
          realised: false,
        },
      });
    });
  });

  it('emits at most once per period, the latest figures, and nothing in a period without news', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      // a and b fall in the first period (one event, b's figure); nothing new in the second; c in the third.
      const funding$ = hot('-ab--------c------|', { a: at(50, 1_201), b: at(50, 1_202), c: at(50, 1_210) });
      const short = (paradex: number) => expect.objectContaining({ shortUsd: expect.closeTo(0.01 * (paradex - 1_200), 12), longUsd: 0 });
      const op = fundingAccrued({ pair: 'BTC-PERP', position, longVenue: 'vest', shortVenue: 'paradex', periodMs: 5 });
      expectObservable(funding$.pipe(op)).toBe('-----b---------c--|', { b: short(1_202), c: short(1_210) });
    });
  });
});

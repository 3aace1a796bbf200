/** fundingReconcileWhileHeld in virtual time: periodic checks of a held position's funding, errors as values. */
import { NEVER, type Observable, throwError } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { events } from '../../src/domain/events';
import { fundingReconcileWhileHeld, heldFundingFigure } from '../../streams/funding-reconcile-held';
import type { VenueFundingRequest } from '../../streams/funding-reconcile';

const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

// AOverB on BTC-PERP: long Vest (dex_a), short Paradex (dex_b), 0.01 BTC per leg, opened at t=0.
const opened = (pair = 'BTC-PERP') =>
  events.positionOpened(0, { pair, direction: 'AOverB', entrySpread: 0.3, size: 0.01, restored: false, longVenue: 'vest', shortVenue: 'paradex', openedAt: 0 });
const accrued = (time: number, longUsd: number, shortUsd: number, pair = 'BTC-PERP') =>
  events.fundingAccrued(time, {
    pair,
    direction: 'AOverB',
    size: 0.01,
    longVenue: 'vest',
    shortVenue: 'paradex',
    longUsd,
    shortUsd,
    totalUsd: longUsd + shortUsd,
    longRatePerHour: 1e-5,
    shortRatePerHour: 5e-5,
    realised: false,
  });
const exit = events.tradeExit(0, { pair: 'BTC-PERP', polls: 3, entrySpread: 0.3, exitSpread: -0.1, exitTarget: -0.02, profit: 0.2 });
const closeFailed = events.closeFailed(0, { pair: 'BTC-PERP', polls: 3, reason: 'venue down' });
const closed = events.positionClosed(0, { pair: 'BTC-PERP', polls: 3, entrySpread: 0.3, exitSpread: -0.1, profit: 0.2, fundingUsd: 0.1, fundingLongUsd: -0.1, fundingShortUsd: 0.2 });

function reader(byVenue: Record<string, () => Observable<{ usd: number; source: string }>>, seen: VenueFundingRequest[] = []) {
  return (req: VenueFundingRequest) => {
    seen.push(req);
    return byVenue[req.venue]!();
  };
}

/** A held check as the operator emits it: per-leg figures are checked in the tests that need them. */
const held = (type: 'FUNDING_RECONCILED' | 'FUNDING_MISMATCH', time: number, extra: Record<string, unknown> = {}) =>
  expect.objectContaining({ type, time, pair: 'BTC-PERP', whileHeld: true, sinceMs: 0, ...extra });

describe('fundingReconcileWhileHeld', () => {
  it('checks every period while held, against the latest FUNDING_ACCRUED, reading each venue since the open; stops at the close', () => {
    const seen: VenueFundingRequest[] = [];
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const events$ = hot('o 2ms a 10ms b 10ms c|', { o: opened(), a: accrued(3, -0.1, 0.2), b: accrued(14, -0.15, 0.3), c: closed });
      const read = reader(
        {
          vest: () => cold('-v|', { v: { usd: seen.length <= 2 ? -0.1004 : -0.1502, source: 'orders + position accrued' } }),
          paradex: () => cold('-p|', { p: { usd: 0.3, source: 'payments + position accrued' } }),
        },
        seen,
      );
      // Ticks at 10 and 20 (the close at 25 ends the clock), each read answering 1 ms later.
      expectObservable(events$.pipe(fundingReconcileWhileHeld({ readVenueFunding: read, everyMs: 10 }))).toBe('11ms x 9ms y 4ms |', {
        // At 10 the bot's figure is the one of t=3: the Paradex leg is 0.10 off (venue 0.30, bot 0.20).
        x: held('FUNDING_MISMATCH', 11, { botUsd: expect.closeTo(0.1, 12), diffUsd: expect.closeTo(0.0996, 12) }),
        // At 20 it is the one of t=14: both legs within a cent.
        y: held('FUNDING_RECONCILED', 21, {
          botUsd: expect.closeTo(0.15, 12),
          legs: [
            { leg: 'long', venue: 'vest', symbol: 'BTC-PERP', botUsd: -0.15, venueUsd: -0.1502, diffUsd: expect.closeTo(-0.0002, 12), toleranceUsd: 0.01, source: 'orders + position accrued' },
            { leg: 'short', venue: 'paradex', symbol: 'BTC-USD-PERP', botUsd: 0.3, venueUsd: 0.3, diffUsd: 0, toleranceUsd: 0.01, source: 'payments + position accrued' },
          ],
        }),
      });
    });
    expect(seen).toHaveLength(4);
    expect(seen.slice(0, 2)).toEqual([
      { venue: 'vest', symbol: 'BTC-PERP', sinceMs: 0 },
      { venue: 'paradex', symbol: 'BTC-USD-PERP', sinceMs: 0 },
    ]);
  });

  it('checks nothing before the first FUNDING_ACCRUED (the bot has no figure), nor while nothing is held', () => {
    const seen: VenueFundingRequest[] = [];
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const events$ = hot('40ms o 24ms a 9ms |', { o: opened(), a: accrued(65, 0, 0) });
      const read = reader({ vest: () => cold('v|', { v: { usd: 0, source: 'v' } }), paradex: () => cold('p|', { p: { usd: 0, source: 'p' } }) }, seen);
      // Opened at 40: ticks at 50 and 60 find no figure; at 70 there is one (t=65).
      expectObservable(events$.pipe(fundingReconcileWhileHeld({ readVenueFunding: read, everyMs: 10 }))).toBe('70ms x 4ms |', { x: held('FUNDING_RECONCILED', 70) });
    });
    expect(seen).toHaveLength(2);
  });

  it('pauses while the close is in flight (TRADE_EXIT) and resumes after CLOSE_FAILED, the position still held', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const events$ = hot('o 2ms a 11ms e 14ms f 14ms c|', { o: opened(), a: accrued(3, -0.1, 0.2), e: exit, f: closeFailed, c: closed });
      const read = reader({ vest: () => cold('-v|', { v: { usd: -0.1, source: 'v' } }), paradex: () => cold('-p|', { p: { usd: 0.2, source: 'p' } }) });
      // Tick at 10 (read until 11); exit at 15 stops the clock; CLOSE_FAILED at 30 starts a new one: tick at 40; closed at 45.
      expectObservable(events$.pipe(fundingReconcileWhileHeld({ readVenueFunding: read, everyMs: 10 }))).toBe('11ms x 29ms y 4ms |', {
        x: held('FUNDING_RECONCILED', 11),
        y: held('FUNDING_RECONCILED', 41),
      });
    });
  });

  it('drops a check still reading when the close starts, and skips ticks while a read is in flight', () => {
    const seen: VenueFundingRequest[] = [];
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const events$ = hot('o 2ms a 8ms e 9ms c|', { o: opened(), a: accrued(3, -0.1, 0.2), e: exit, c: closed });
      // Reads take 15 ms: the tick at 10 starts one, the exit at 12 drops it.
      const read = reader({ vest: () => cold('15ms v|', { v: { usd: -0.1, source: 'v' } }), paradex: () => cold('15ms p|', { p: { usd: 0.2, source: 'p' } }) }, seen);
      expectObservable(events$.pipe(fundingReconcileWhileHeld({ readVenueFunding: read, everyMs: 10 }))).toBe('23ms |');
    });
    expect(seen).toHaveLength(2);
    // Slow reads: ticks at 10, 20, 30 come while the first read (10 → 35) is in flight; only 40 starts another.
    const seenSlow: VenueFundingRequest[] = [];
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const events$ = hot('o 2ms a 47ms c|', { o: opened(), a: accrued(3, -0.1, 0.2), c: closed });
      const read = reader({ vest: () => cold('25ms v|', { v: { usd: -0.1, source: 'v' } }), paradex: () => cold('25ms p|', { p: { usd: 0.2, source: 'p' } }) }, seenSlow);
      expectObservable(events$.pipe(fundingReconcileWhileHeld({ readVenueFunding: read, everyMs: 10, timeoutMs: 100 }))).toBe('35ms x 16ms |', { x: held('FUNDING_RECONCILED', 35) });
    });
    expect(seenSlow).toHaveLength(4); // reads at 10 and at 40 (the second dropped by the close at 51)
  });

  it('makes a venue that errors or never answers a value ("venue figure unavailable"), and keeps checking', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const events$ = hot('o 2ms a 20ms c|', { o: opened(), a: accrued(3, -0.1, 0.2), c: closed });
      const read = reader({ vest: () => throwError(() => new Error('Vest account failed: HTTP 503')), paradex: () => NEVER });
      // Each tick (10, 20) gives a check 3 ms later (the Paradex read's deadline), both legs unchecked.
      const unread = held('FUNDING_RECONCILED', 13, {
        unavailable: 'long vest: venue figure unavailable: Vest account failed: HTTP 503; short paradex: venue figure unavailable: no answer within 3 ms',
      });
      expectObservable(events$.pipe(fundingReconcileWhileHeld({ readVenueFunding: read, everyMs: 10, timeoutMs: 3 }))).toBe('13ms x 9ms y 1ms |', {
        x: unread,
        y: held('FUNDING_RECONCILED', 23),
      });
    });
  });

  it('checks each pair on its own clock', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const events$ = hot('o 1ms p a b 20ms |', { o: opened('BTC-PERP'), p: { ...opened('ETH-PERP'), time: 2 }, a: accrued(3, 0, 0), b: accrued(4, 0, 0, 'ETH-PERP') });
      const read = reader({ vest: () => cold('v|', { v: { usd: 0, source: 'v' } }), paradex: () => cold('p|', { p: { usd: 0, source: 'p' } }) });
      const eth = (time: number) => expect.objectContaining({ type: 'FUNDING_RECONCILED', time, pair: 'ETH-PERP', whileHeld: true });
      expectObservable(events$.pipe(fundingReconcileWhileHeld({ readVenueFunding: read, everyMs: 10 }))).toBe('10ms x 1ms y 7ms z 1ms w 2ms |', {
        x: held('FUNDING_RECONCILED', 10),
        y: eth(12),
        z: held('FUNDING_RECONCILED', 20),
        w: eth(22),
      });
    });
  });

  it('refuses a period that is not a positive timer delay', () => {
    const read = () => NEVER;
    expect(() => fundingReconcileWhileHeld({ readVenueFunding: read, everyMs: 0 })).toThrow(/everyMs/);
    expect(() => fundingReconcileWhileHeld({ readVenueFunding: read, everyMs: 2 ** 31 })).toThrow(/everyMs/);
  });
});

describe('heldFundingFigure', () => {
  const req = { venue: 'paradex' as const, symbol: 'BTC-USD-PERP', sinceMs: 1_000 };
  const settled = async (symbol: string, sinceMs: number) => ({ settledUsd: symbol === 'BTC-USD-PERP' && sinceMs === 1_000 ? 0.02 : Number.NaN, source: 'GET /funding/payments: 1 payment' });

  it('is what the venue settled since the open plus what its open position accrued', async () => {
    const venue = { positions: async () => [{ symbol: 'ETH-USD-PERP', unrealisedFundingUsd: 9 }, { symbol: 'BTC-USD-PERP', unrealisedFundingUsd: 0.31 }], fundingSettledSince: settled };
    await expect(heldFundingFigure(venue, 'paradex', req)).resolves.toEqual({ usd: expect.closeTo(0.33, 12), source: 'GET /funding/payments: 1 payment + position accrued 0.31' });
  });

  it('gives no figure (an error the check turns into a reason) without a position, an accrued figure or a settled one', async () => {
    await expect(heldFundingFigure({ positions: async () => [], fundingSettledSince: settled }, 'paradex', req)).rejects.toThrow('paradex shows no open BTC-USD-PERP position');
    await expect(heldFundingFigure({ positions: async () => [{ symbol: 'BTC-USD-PERP' }], fundingSettledSince: settled }, 'paradex', req)).rejects.toThrow(
      'paradex reports no accrued funding on its open BTC-USD-PERP position',
    );
    await expect(heldFundingFigure({ positions: async () => [] }, 'paradex', req)).rejects.toThrow('paradex reports no settled funding');
  });
});


/** fundingReconcile in virtual time: each close's bot figures against the venues', errors as values. */
import { NEVER, type Observable, throwError } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { events, type TradingEvent } from '../../src/domain/events';
import { fundingReconcile, type VenueFundingRequest } from '../../streams/funding-reconcile';

const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

// AOverB on BTC-PERP: long Vest (dex_a), short Paradex (dex_b), 0.01 BTC per leg, opened at t=0 (openedAt 0).
const opened = events.positionOpened(0, {
  pair: 'BTC-PERP',
  direction: 'AOverB',
  entrySpread: 0.3,
  size: 0.01,
  restored: false,
  longVenue: 'vest',
  shortVenue: 'paradex',
  openedAt: 0,
});
const closed = (time: number, longUsd: number, shortUsd: number): TradingEvent =>
  events.positionClosed(time, {
    pair: 'BTC-PERP',
    polls: 3,
    entrySpread: 0.3,
    exitSpread: -0.1,
    profit: 0.2,
    fundingUsd: longUsd + shortUsd,
    fundingLongUsd: longUsd,
    fundingShortUsd: shortUsd,
  });
const closedUnknown = events.positionClosed(4, { pair: 'BTC-PERP', polls: 3, entrySpread: 0.3, exitSpread: -0.1, profit: 0.2, fundingNote: 'no funding read' });

/** Venue figures by venue, each a cold observable made in the test's scheduler. */
function reader(byVenue: Record<string, () => Observable<{ usd: number; source: string }>>, seen: VenueFundingRequest[] = []) {
  return (req: VenueFundingRequest) => {
    seen.push(req);
    return byVenue[req.venue]!();
  };
}

describe('fundingReconcile', () => {
  it('reports FUNDING_RECONCILED per leg when both venues agree within the tolerance, reading each venue since the open', () => {
    const seen: VenueFundingRequest[] = [];
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const events$ = hot('o---c---|', { o: opened, c: closed(4, -0.2, 0.5) });
      const read = reader(
        {
          vest: () => cold('-v|', { v: { usd: -0.2004, source: 'GET /orders: settledFunding of 1 order' } }),
          paradex: () => cold('--p|', { p: { usd: 0.5, source: 'GET /funding/payments: 1 payment' } }),
        },
        seen,
      );
      // Close at 4, reads start after the 2 ms settle delay, the slower (Paradex) answers 2 ms later: 8.
      expectObservable(events$.pipe(fundingReconcile({ readVenueFunding: read, settleDelayMs: 2 }))).toBe('--------(r|)', {
        r: {
          type: 'FUNDING_RECONCILED',
          time: 8,
          pair: 'BTC-PERP',
          direction: 'AOverB',
          size: 0.01,
          sinceMs: 0,
          botUsd: expect.closeTo(0.3, 12),
          venueUsd: expect.closeTo(0.2996, 12),
          diffUsd: expect.closeTo(-0.0004, 12),
          legs: [
            { leg: 'long', venue: 'vest', symbol: 'BTC-PERP', botUsd: -0.2, venueUsd: -0.2004, diffUsd: expect.closeTo(-0.0004, 12), toleranceUsd: 0.01, source: 'GET /orders: settledFunding of 1 order' },
            { leg: 'short', venue: 'paradex', symbol: 'BTC-USD-PERP', botUsd: 0.5, venueUsd: 0.5, diffUsd: 0, toleranceUsd: 0.01, source: 'GET /funding/payments: 1 payment' },
          ],
        },
      });
    });
    expect(seen).toEqual([
      { venue: 'vest', symbol: 'BTC-PERP', sinceMs: 0 },
      { venue: 'paradex', symbol: 'BTC-USD-PERP', sinceMs: 0 },
    ]);
  });

  it('reports FUNDING_MISMATCH when a venue charged more than the bot counted, naming the leg and the difference', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const events$ = hot('o---c---|', { o: opened, c: closed(4, -0.2, 0.5) });
      const read = reader({
        vest: () => cold('v|', { v: { usd: -1.2, source: 'orders' } }),
        paradex: () => cold('p|', { p: { usd: 0.5, source: 'payments' } }),
      });
      expectObservable(events$.pipe(fundingReconcile({ readVenueFunding: read, settleDelayMs: 1 }))).toBe('-----m--|', {
        m: expect.objectContaining({
          type: 'FUNDING_MISMATCH',
          diffUsd: expect.closeTo(-1, 12),
          legs: [expect.objectContaining({ leg: 'long', venue: 'vest', diffUsd: expect.closeTo(-1, 12), toleranceUsd: expect.closeTo(0.024, 12) }), expect.objectContaining({ leg: 'short', diffUsd: 0 })],
        }),
      });
    });
  });

  it('turns a venue that errors or does not answer into "venue figure unavailable", and keeps reconciling the next close', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const events$ = hot('o---c----------o-c----|', { o: opened, c: closed(4, -0.2, 0.5) });
      let paradexCalls = 0;
      const read = reader({
        vest: () => throwError(() => new Error('Vest orders failed: HTTP 503')),
        // First read never answers (timeout 5), the second answers.
        paradex: () => (++paradexCalls === 1 ? cold('-') : cold('p|', { p: { usd: 0.5, source: 'payments' } })),
      });
      const op = fundingReconcile({ readVenueFunding: read, settleDelayMs: 1, timeoutMs: 5 });
      expectObservable(events$.pipe(op)).toBe('----------u-------v---|', {
        u: expect.objectContaining({
          type: 'FUNDING_RECONCILED',
          botUsd: expect.closeTo(0.3, 12),
          unavailable: 'long vest: venue figure unavailable: Vest orders failed: HTTP 503; short paradex: venue figure unavailable: no answer within 5 ms',
          legs: [
            expect.objectContaining({ leg: 'long', unavailable: 'venue figure unavailable: Vest orders failed: HTTP 503' }),
            expect.objectContaining({ leg: 'short', unavailable: 'venue figure unavailable: no answer within 5 ms' }),
          ],
        }),
        // Only the Paradex leg was read: the totals cover it, the Vest leg stays unchecked.
        v: expect.objectContaining({ type: 'FUNDING_RECONCILED', venueUsd: 0.5, diffUsd: 0, unavailable: expect.stringContaining('long vest') }),
      });
    });
  });

  it('reconciles nothing for a close whose funding is unknown, or whose open it did not see', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const events$ = hot('o---c---x---|', { o: opened, c: closedUnknown, x: closed(8, 1, 1) });
      const read = () => NEVER;
      expectObservable(events$.pipe(fundingReconcile({ readVenueFunding: read }))).toBe('------------|');
    });
  });
});

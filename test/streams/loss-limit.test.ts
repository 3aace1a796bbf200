/**
 * lossLimit: the run-wide realised net PnL, counted from the run's events as the summary counts them, and the halt
 * of entries at −maxLossUsd. `reached$` is checked in virtual time, so the frame at which the limit trips is part
 * of the expectation.
 */
import { TestScheduler } from 'rxjs/testing';
import { events, type TradingEvent } from '../../src/domain/events';
import { summarize } from '../../src/report/summary';
import { lossLimit } from '../../streams/loss-limit';
import { EventScript } from '../support/trading-events';

const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const PAIR = 'BTC-PERP';

/** A close realising `gross` (and `funding`), its own fees reported by its fills. */
const closed = (gross: number, funding?: number): TradingEvent =>
  events.positionClosed(0, { pair: PAIR, polls: 1, entrySpread: 0.2, exitSpread: 0, profit: 0.2, grossPnlUsd: gross, feesUsd: 0, reason: 'exit_target', ...(funding !== undefined ? { fundingUsd: funding } : {}) });
const fee = (usd: number): TradingEvent => events.orderFilled(0, { pair: PAIR, venue: 'vest', clientId: 'c', filledSize: 0.01, avgPrice: 100, feeUsd: usd, latencyMs: 1 });
const unwound = (gross?: number): TradingEvent =>
  events.legUnwound(0, { pair: PAIR, venue: 'vest', size: 0.01, ok: true, reason: 'unwound', ...(gross !== undefined ? { grossPnlUsd: gross } : {}) });
const credit = (creditedPnlUsd: number, feeUsd: number): TradingEvent =>
  events.fillCredited(0, { pair: PAIR, venue: 'vest', clientId: 'c1', phase: 'close', filledSize: 0.01, feeUsd, creditedPnlUsd, creditedFeesUsd: feeUsd, reason: 'late fill' });

function observeAll(limit: ReturnType<typeof lossLimit>, list: readonly TradingEvent[]): void {
  for (const e of list) limit.observe(e);
}

describe('lossLimit', () => {
  it('sums closes, fees, unwinds and credited fills into the realised net figure; other events count nothing', () => {
    const limit = lossLimit(10);
    observeAll(limit, [fee(0.25), closed(3), fee(0.25), events.tradeFailed(0, { pair: PAIR, reason: 'x' }), unwound(-0.5), credit(-0.25, 0.5), unwound()]);
    expect(limit.realisedNetUsd).toBeCloseTo(3 - 0.5 - 0.5 - 0.25 - 0.5, 12);
    expect(limit.halted).toBe(false);
    expect(limit.maxLossUsd).toBe(10);
  });

  it('counts what failed entries cost: their fees and the unwound leg’s price loss, with no round trip at all', () => {
    const limit = lossLimit(1);
    // Three failed entries: each an entry fill and an unwind fill (0.1 each) and 0.2 lost selling the leg back.
    for (let i = 0; i < 3; i++) observeAll(limit, [fee(0.1), fee(0.1), unwound(-0.2)]);
    expect(limit.realisedNetUsd).toBeCloseTo(-1.2, 12);
    expect(limit.halted).toBe(true);
  });

  it('is the run summary’s net PnL, event for event (a failed entry, round trips, a position left open)', () => {
    const log = new EventScript()
      .trip({ longEntry: 100_000, shortEntry: 100_200, longExit: 100_150, shortExit: 100_140, fundingUsd: -0.02 })
      .failedEntry({ longEntry: 100_100, unwindAt: 100_040 })
      .trip({ direction: 'BOverA', longEntry: 100_300, shortEntry: 100_480, longExit: 100_250, shortExit: 100_460 })
      .trip({ longEntry: 100_500, shortEntry: 100_700, marks: [{ longExit: 100_480, shortExit: 100_690 }] })
      .shutdown();
    const limit = lossLimit(undefined);
    const seen: number[] = [];
    const summaryNet: number[] = [];
    for (let i = 0; i < log.length; i++) {
      limit.observe(log[i]!);
      seen.push(limit.realisedNetUsd);
      summaryNet.push(summarize(log.slice(0, i + 1)).netPnlUsd);
    }
    seen.forEach((v, i) => expect(v).toBeCloseTo(summaryNet[i]!, 9));
    expect(summaryNet.at(-1)).not.toBe(0);
  });

  it('counts funding in the realised net: a carry that was paid can trip the limit on its own', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const limit = lossLimit(1);
      // realised net: 0.5 − 0.1 − 0.5 = −0.1, then −0.1 − 0.9 = −1.0
      cold('-a--b|', { a: [closed(0.5, -0.5), fee(0.1)], b: [closed(0, -0.9)] }).subscribe((list) => observeAll(limit, list));
      cold('-----|').subscribe({ complete: () => limit.close() });
      expectObservable(limit.reached$).toBe('----r|', { r: expect.closeTo(-1, 9) as number });
    });
  });

  it('trips when the realised net loss reaches max_loss_usd exactly, reporting the net figure once', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const limit = lossLimit(2);
      const trades = { w: [closed(1), fee(0.5)], l: [closed(-2), fee(0.5)], x: [closed(-1)] };
      //            realised net:  0.5   −2.0 (= −limit)   −3.0
      cold('-w--l--x|', trades).subscribe((list) => observeAll(limit, list));
      cold('--------|').subscribe({ complete: () => limit.close() });
      expectObservable(limit.reached$).toBe('----r---|', { r: -2 });
    });
  });

  it('does not trip while the loss is short of the limit', () => {
    const limit = lossLimit(2);
    const seen: number[] = [];
    limit.reached$.subscribe((net) => seen.push(net));
    observeAll(limit, [closed(-1.5), fee(0.49)]);
    expect(limit.realisedNetUsd).toBeCloseTo(-1.99, 12);
    expect(limit.halted).toBe(false);
    expect(seen).toEqual([]);
  });

  it('counts fees: a gross loss under the limit trips it once fees take the net past', () => {
    const limit = lossLimit(2);
    observeAll(limit, [closed(-1.8), fee(0.3)]);
    expect(limit.halted).toBe(true);
    expect(limit.realisedNetUsd).toBeCloseTo(-2.1, 12);
  });

  it('stays halted for the rest of the run even when later trades win the loss back', () => {
    const limit = lossLimit(1);
    observeAll(limit, [closed(-1), closed(5)]);
    expect(limit.halted).toBe(true);
    expect(limit.realisedNetUsd).toBe(4);
  });

  it('replays the trip to a subscriber that comes after it', () => {
    testScheduler().run(({ expectObservable }) => {
      const limit = lossLimit(1);
      limit.observe(closed(-3));
      limit.close();
      expectObservable(limit.reached$).toBe('(r|)', { r: -3 });
    });
  });

  it('never trips without a limit, whatever the loss', () => {
    testScheduler().run(({ expectObservable }) => {
      const limit = lossLimit(undefined);
      observeAll(limit, [closed(-1e9), fee(1e6)]);
      limit.close();
      expect(limit.halted).toBe(false);
      expect(limit.maxLossUsd).toBeUndefined();
      expectObservable(limit.reached$).toBe('|');
    });
  });
});

describe('lossLimit: the budget is the journals’', () => {
  /** A pair's journal as the limit sees it: what it counted before, and every line it journals now. */
  const book = (netUsd: number, since?: number) => {
    const lines: Array<{ event: string; deltaUsd: number }> = [];
    return { lines, onRecord: { netUsd, ...(since !== undefined ? { since } : {}) }, record: (event: string, deltaUsd: number) => lines.push({ event, deltaUsd }) };
  };

  it('goes on from what the journals counted before this run: a restart after losing 8 of 10 halts at the next 2', () => {
    const limit = lossLimit(10);
    limit.attach(PAIR, book(-8, 1_000));
    expect(limit.carriedUsd).toBe(-8);
    expect(limit.halted).toBe(false);
    limit.observe(closed(-1.5));
    expect(limit.halted).toBe(false);
    limit.observe(fee(0.5));
    expect(limit.halted).toBe(true);
    // The run's own figure stays what the summary counts; the limit compares the budget's.
    expect(limit.realisedNetUsd).toBeCloseTo(-2, 12);
    expect(limit.budgetNetUsd).toBeCloseTo(-10, 12);
  });

  it('adds every pair’s journal into one budget, and trips at once when it is spent before any trade', () => {
    testScheduler().run(({ expectObservable }) => {
      const limit = lossLimit(10);
      limit.attach(PAIR, book(-6));
      expect(limit.halted).toBe(false);
      limit.attach('ETH-PERP', book(-4.5));
      limit.close();
      expect(limit.halted).toBe(true);
      expectObservable(limit.reached$).toBe('(r|)', { r: -10.5 });
    });
  });

  it('journals each counted event in its own pair’s journal, with what it added; events that count nothing are not written', () => {
    const limit = lossLimit(100);
    const btc = book(0);
    const eth = book(0);
    limit.attach(PAIR, btc);
    limit.attach('ETH-PERP', eth);
    observeAll(limit, [fee(0.25), closed(3, -0.5), events.tradeFailed(0, { pair: PAIR, reason: 'x' }), unwound(-0.5), unwound(), credit(-0.25, 0.5)]);
    limit.observe(events.positionClosed(0, { pair: 'ETH-PERP', polls: 1, entrySpread: 0.2, exitSpread: 0, profit: 0.2, grossPnlUsd: -1, feesUsd: 0, reason: 'exit_target' }));
    expect(btc.lines).toEqual([
      { event: 'ORDER_FILLED', deltaUsd: -0.25 },
      { event: 'POSITION_CLOSED', deltaUsd: 2.5 },
      { event: 'LEG_UNWOUND', deltaUsd: -0.5 },
      { event: 'FILL_CREDITED', deltaUsd: -0.75 },
    ]);
    expect(eth.lines).toEqual([{ event: 'POSITION_CLOSED', deltaUsd: -1 }]);
  });
});

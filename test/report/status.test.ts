import { events, type TradingEvent } from '../../src/domain/events';
import { emptyBoard, reduceStatus } from '../../src/report/status';
import { summarize } from '../../src/report/summary';

const PAIR = 'BTC-PERP';

function fold(log: readonly TradingEvent[]) {
  const board = emptyBoard([PAIR]);
  for (const e of log) reduceStatus(board, e);
  return board.pairs.get(PAIR)!;
}

const mark = { direction: 'AOverB' as const, size: 0.001, entrySpread: 0.2, longEntryPrice: 95_000, shortEntryPrice: 95_190 };

const fill = (time: number, venue: 'vest' | 'paradex', feeUsd: number) =>
  events.orderFilled(time, { pair: PAIR, venue, clientId: `c${time}${venue}`, filledSize: 0.001, avgPrice: 95_000, feeUsd, latencyMs: 5 });

/** One round trip, then a second position still open at the end. */
const LOG: TradingEvent[] = [
  events.spreadDetected(1, { pair: PAIR, direction: 'AOverB', entrySpread: 0.2, netSpread: 0.09, threshold: 0.06 }),
  fill(2, 'vest', 0.01),
  fill(2, 'paradex', 0.04),
  events.positionOpened(3, { pair: PAIR, direction: 'AOverB', entrySpread: 0.2, size: 0.001, restored: false }),
  events.tradeExit(4, { pair: PAIR, polls: 3, entrySpread: 0.2, exitSpread: 0, exitTarget: -0.02, profit: 0.2 }),
  fill(5, 'vest', 0.01),
  fill(5, 'paradex', 0.04),
  events.positionClosed(6, { pair: PAIR, polls: 3, entrySpread: 0.2, exitSpread: 0, profit: 0.2, grossPnlUsd: 0.19, feesUsd: 0.1 }),
  events.spreadDetected(7, { pair: PAIR, direction: 'AOverB', entrySpread: 0.2, netSpread: 0.09, threshold: 0.06 }),
  fill(8, 'vest', 0.01),
  fill(8, 'paradex', 0.04),
  events.positionOpened(9, { pair: PAIR, direction: 'AOverB', entrySpread: 0.2, size: 0.001, restored: false }),
  events.spreadMonitoring(10, {
    pair: PAIR,
    entryAOverB: 0.02,
    entryBOverA: -0.15,
    netEntryAOverB: -0.09,
    netEntryBOverA: -0.26,
    exitAOverB: -0.05,
    exitBOverA: -0.01,
    position: { ...mark, longExitPrice: 95_010, shortExitPrice: 95_150, grossUsd: 0.05, exitFeesUsd: 0.05, netUsd: 0 },
  }),
];

describe('the status board', () => {
  it('keeps the net entry spreads the threshold is compared with, beside the gross ones', () => {
    const s = fold(LOG);
    expect(s.netEntryAOverB).toBe(-0.09);
    expect(s.netEntryBOverA).toBe(-0.26);
    expect(s.entryAOverB).toBe(0.02);
  });

  it('counts realised net as the run summary does: closed gross minus every fee paid, open entry fees included', () => {
    const s = fold(LOG);
    const summary = summarize(LOG, 1);
    expect(s.realisedGrossUsd).toBeCloseTo(summary.grossPnlUsd, 12);
    expect(s.feesPaidUsd).toBeCloseTo(summary.feesUsd, 12);
    expect(s.realisedNetUsd).toBeCloseTo(summary.netPnlUsd, 12);
    expect(s.realisedNetUsd).toBeCloseTo(0.19 - 0.15, 12);
    expect(s.roundTrips).toBe(1);
  });

  it('counts a late close fill (FILL_CREDITED) as the run summary does: its fee paid, its PnL realised', () => {
    const late = events.fillCredited(11, {
      pair: PAIR,
      venue: 'paradex',
      clientId: 'late-close',
      phase: 'close',
      filledSize: 0.0005,
      avgPrice: 95_100,
      feeUsd: 0.02,
      creditedPnlUsd: 0.05,
      creditedFeesUsd: 0.02,
      reason: 'found after the close',
    });
    const log = [...LOG, late];
    const s = fold(log);
    const summary = summarize(log, 1);
    expect(s.realisedGrossUsd).toBeCloseTo(summary.grossPnlUsd, 12);
    expect(s.feesPaidUsd).toBeCloseTo(summary.feesUsd, 12);
    expect(s.realisedNetUsd).toBeCloseTo(summary.netPnlUsd, 12);
    expect(s.realisedNetUsd).toBeCloseTo(0.19 + 0.05 - 0.15 - 0.02, 12);
  });

  it('marks the open position to the books from the spread sample (unrealised gross, exit fees, net)', () => {
    const s = fold(LOG);
    expect(s.state).toBe('open');
    expect(s.unrealised).toEqual({ grossUsd: 0.05, exitFeesUsd: 0.05, netUsd: 0 });
  });

  it('forgets the mark when the position closes, and when a sample cannot price it', () => {
    const closed = fold([...LOG, events.positionClosed(11, { pair: PAIR, polls: 1, entrySpread: 0.2, exitSpread: 0, profit: 0.2, grossPnlUsd: 0.05, feesUsd: 0.1 })]);
    expect(closed.unrealised).toBeUndefined();
    expect(closed.position).toBeUndefined();
    const unpriced = fold([...LOG, events.spreadMonitoring(11, { pair: PAIR })]);
    expect(unpriced.position).toBeDefined();
    expect(unpriced.unrealised).toBeUndefined();
  });

  it('keeps why a pair is halted and until when, and clears it on TRADING_RESUMED', () => {
    const halted = fold([events.tradingHalted(1, { pair: PAIR, reason: 'leg unwound on paradex', until: 61_000 })]);
    expect(halted.state).toBe('halted');
    expect(halted.halt).toEqual({ reason: 'leg unwound on paradex', until: 61_000 });
    const resumed = fold([events.tradingHalted(1, { pair: PAIR, reason: 'x' }), events.tradingResumed(2, { pair: PAIR })]);
    expect(resumed.state).toBe('watching');
    expect(resumed.halt).toBeUndefined();
  });

  it('keeps a halted pair with an open position open, and halted once it is flat again', () => {
    const s = fold([...LOG, events.tradingHalted(11, { pair: PAIR, reason: 'reconciliation mismatch' })]);
    expect(s.state).toBe('open');
    expect(s.halt?.reason).toBe('reconciliation mismatch');
    const flat = fold([
      ...LOG,
      events.tradingHalted(11, { pair: PAIR, reason: 'reconciliation mismatch' }),
      events.positionClosed(12, { pair: PAIR, polls: 1, entrySpread: 0.2, exitSpread: 0, profit: 0.2, grossPnlUsd: 0, feesUsd: 0.1 }),
    ]);
    expect(flat.state).toBe('halted');
  });
});

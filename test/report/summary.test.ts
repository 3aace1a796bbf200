/**
 * The run summary with rebates: a venue that pays the taker (negative fee) lowers the fees, and fees below
 * zero read as a net rebate, so net = gross − fees still adds up.
 */
import { events, type TradingEvent } from '../../src/domain/events';
import { summarize, summaryTable } from '../../src/report/summary';

const fill = (time: number, venue: 'vest' | 'paradex', feeUsd: number): TradingEvent =>
  events.orderFilled(time, { pair: 'BTC-PERP', venue, clientId: `c${time}`, filledSize: 0.01, avgPrice: 100_000, feeUsd, latencyMs: 3 });

describe('summary with rebates', () => {
  it('counts a negative fee as a rebate: fees fall and net = gross − fees', () => {
    const log: TradingEvent[] = [
      events.positionOpened(0, { pair: 'BTC-PERP', direction: 'AOverB', size: 0.01, entrySpread: 0.2, restored: false }),
      fill(1, 'vest', -0.1),
      fill(2, 'paradex', 0.45),
      fill(3, 'vest', -0.1),
      fill(4, 'paradex', 0.45),
      events.positionClosed(5, { pair: 'BTC-PERP', entrySpread: 0.2, exitSpread: 0, profit: 0.2, polls: 3, grossPnlUsd: 2, feesUsd: 0.7 }),
    ];
    const s = summarize(log);
    expect(s.feesUsd).toBeCloseTo(0.7, 12);
    expect(s.netPnlUsd).toBeCloseTo(1.3, 12);
    expect(summaryTable(s)).toMatch(/fees\s+\$0\.70\n/);
  });

  it('says "net rebate received" when rebates exceed fees', () => {
    const s = summarize([fill(1, 'vest', -0.3), fill(2, 'paradex', 0.1)]);
    expect(s.feesUsd).toBeCloseTo(-0.2, 12);
    expect(s.netPnlUsd).toBeCloseTo(0.2, 12);
    expect(summaryTable(s)).toMatch(/fees\s+-\$0\.20 \(net rebate received\)/);
  });
});

import { paradexPositionsView } from '../../src/sim/paradex-views';
import type { PositionView } from '../../src/sim/matching';

const SHORT: PositionView = { symbol: 'BTC-USD-PERP', size: -0.01, entryPrice: 95_000, realisedPnl: 0, markPrice: 95_100, unrealisedPnl: -1 };

describe('paradexPositionsView', () => {
  it('reports the funding accrued since the position last changed as unrealized_funding_pnl', () => {
    const [p] = paradexPositionsView('0xabc', [SHORT], 10, 1, 2, (symbol, size) => (symbol === 'BTC-USD-PERP' ? -size * 38 : 0));
    expect(p).toMatchObject({ market: 'BTC-USD-PERP', side: 'SHORT', unrealized_funding_pnl: '0.380000', unrealized_pnl: '-1.000000' });
  });
  it('reports zero funding when the venue has no funding data', () => {
    const [p] = paradexPositionsView('0xabc', [SHORT], 10, 1, 2);
    expect(p).toMatchObject({ unrealized_funding_pnl: '0.000000' });
  });
});

import { legOf, legSign, LEG_KEYS, positionKey } from '../../src/execution/legs';
import { position } from './position-fixture';

describe('leg geometry', () => {
  it('reads the long leg: its venue, symbol and entry price, closed by selling', () => {
    expect(legOf(position, 'long')).toEqual({ key: 'long', venue: 'vest', symbol: 'BTC-PERP', entryPrice: 100_000, closeSide: 'SELL', sign: 1, usdPerQuote: 1, usdcUsd: 1 });
  });

  it('reads the short leg: its venue, symbol and entry price, closed by buying back', () => {
    expect(legOf(position, 'short')).toEqual({ key: 'short', venue: 'paradex', symbol: 'BTC-USD-PERP', entryPrice: 100_300, closeSide: 'BUY', sign: -1, usdPerQuote: 1, usdcUsd: 1 });
  });

  it('gives each leg the USD per unit of its venue\'s quote currency at the position\'s USDC/USD', () => {
    const offPar = { ...position, usdcUsd: 0.999 };
    expect(legOf(offPar, 'long').usdPerQuote).toBe(0.999); // Vest quotes USDC
    expect(legOf(offPar, 'short').usdPerQuote).toBe(1); // Paradex quotes USD
    expect(legOf(offPar, 'short').usdcUsd).toBe(0.999); // both legs' fees (USDC) at the position's rate
  });

  it('gives each leg the sign of its holding', () => {
    expect(LEG_KEYS.map(legSign)).toEqual([1, -1]);
    for (const key of LEG_KEYS) expect(legOf(position, key).sign).toBe(legSign(key));
  });

  it('identifies a position by its entry client ids', () => {
    expect(positionKey(position)).toBe('L/S');
    expect(positionKey({ ...position, clientIds: { long: 'L', short: 'T' } })).not.toBe(positionKey(position));
  });
});

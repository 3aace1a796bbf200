import { bookFromLevels, type OrderBook } from '../../src/domain/order-book';
import {
  SimLedger,
  paradexRules,
  vestRules,
  walkBook,
  type Execution,
  type ExecutionResult,
  type MarketRules,
  type Rejection,
} from '../../src/sim/matching';
import { SIM_MARKETS } from '../../src/sim/types';

const RULES: MarketRules = {
  symbol: 'TEST-PERP',
  sizeIncrement: 0.01,
  minSize: 0.01,
  priceTick: 0.5,
  minNotional: 10,
  maxOrderSize: 1000,
  takerFee: 0.001,
  initMarginRatio: 0.1,
};

// mid 99.75
const BOOK: OrderBook = bookFromLevels(
  [
    { price: 99.5, size: 1 },
    { price: 99, size: 2 },
    { price: 98, size: 5 },
  ],
  [
    { price: 100, size: 1 },
    { price: 100.5, size: 2 },
    { price: 101, size: 5 },
  ],
  { receivedAt: 0 },
);

function filled(r: ExecutionResult): Execution {
  if (!r.ok) throw new Error(`expected an execution, got ${r.reason}: ${r.message}`);
  return r;
}

function rejected(r: ExecutionResult): Rejection {
  if (r.ok) throw new Error('expected a rejection, got an execution');
  return r;
}

describe('walkBook', () => {
  it('takes the asks best first for a buy and stops at the worst price', () => {
    const walk = walkBook(BOOK, 'BUY', 5, 100.5);
    expect(walk.fills).toEqual([
      { price: 100, size: 1 },
      { price: 100.5, size: 2 },
    ]);
    expect(walk.filledSize).toBe(3);
    expect(walk.notional).toBeCloseTo(301, 9);
  });

  it('takes the bids best first for a sell', () => {
    const walk = walkBook(BOOK, 'SELL', 2.5);
    expect(walk.fills).toEqual([
      { price: 99.5, size: 1 },
      { price: 99, size: 1.5 },
    ]);
  });
});

describe('SimLedger.execute', () => {
  it('walks the depth and fills at the volume-weighted price', () => {
    const ledger = new SimLedger();
    const exec = filled(ledger.execute('acc', { symbol: 'TEST-PERP', side: 'BUY', size: 2, reduceOnly: false }, BOOK, RULES));
    expect(exec.filledSize).toBe(2);
    expect(exec.avgPrice).toBeCloseTo(100.25, 9);
    expect(exec.remainingSize).toBe(0);
    expect(exec.position.size).toBe(2);
    expect(exec.position.entryPrice).toBeCloseTo(100.25, 9);
  });

  it('cancels the remainder an IOC cannot fill within its worst price', () => {
    const ledger = new SimLedger();
    const exec = filled(ledger.execute('acc', { symbol: 'TEST-PERP', side: 'BUY', size: 5, worstPrice: 100.5, reduceOnly: false }, BOOK, RULES));
    expect(exec.filledSize).toBe(3);
    expect(exec.remainingSize).toBe(2);
    expect(ledger.position('acc', 'TEST-PERP').size).toBe(3);
  });

  it('charges the taker fee on notional against the balance', () => {
    const ledger = new SimLedger({ initialBalance: 1_000 });
    const exec = filled(ledger.execute('acc', { symbol: 'TEST-PERP', side: 'BUY', size: 2, reduceOnly: false }, BOOK, RULES));
    expect(exec.fee).toBeCloseTo(200.5 * 0.001, 12);
    expect(ledger.balance('acc')).toBeCloseTo(1_000 - 0.2005, 9);
  });

  it('starts accounts with 100,000 USDC by default', () => {
    expect(new SimLedger().balance('new-account')).toBe(100_000);
  });

  it('realises PnL when a position is reduced and keeps the entry of the rest', () => {
    const ledger = new SimLedger({ initialBalance: 10_000 });
    filled(ledger.execute('acc', { symbol: 'TEST-PERP', side: 'BUY', size: 2, reduceOnly: false }, BOOK, RULES)); // 1@100 + 1@100.5
    const close = filled(ledger.execute('acc', { symbol: 'TEST-PERP', side: 'SELL', size: 1, reduceOnly: true }, BOOK, RULES)); // 1@99.5
    expect(close.realisedPnl).toBeCloseTo((99.5 - 100.25) * 1, 9);
    expect(close.position.size).toBe(1);
    expect(close.position.entryPrice).toBeCloseTo(100.25, 9);
    const fees = (200.5 + 99.5) * 0.001;
    expect(ledger.balance('acc')).toBeCloseTo(10_000 - fees - 0.75, 9);
  });

  it('flips a position with a larger opposite order, opening the rest at the fill price', () => {
    const ledger = new SimLedger();
    filled(ledger.execute('acc', { symbol: 'TEST-PERP', side: 'BUY', size: 1, reduceOnly: false }, BOOK, RULES)); // long 1 @ 100
    const flip = filled(ledger.execute('acc', { symbol: 'TEST-PERP', side: 'SELL', size: 2, reduceOnly: false }, BOOK, RULES)); // 1@99.5, 1@99
    expect(flip.realisedPnl).toBeCloseTo(-0.5, 9);
    expect(flip.position.size).toBe(-1);
    expect(flip.position.entryPrice).toBe(99);
  });

  it('rejects a reduce-only order that would increase, open or flip a position', () => {
    const ledger = new SimLedger();
    expect(rejected(ledger.execute('acc', { symbol: 'TEST-PERP', side: 'SELL', size: 1, reduceOnly: true }, BOOK, RULES)).reason).toBe('REDUCE_ONLY_INCREASES');
    filled(ledger.execute('acc', { symbol: 'TEST-PERP', side: 'BUY', size: 1, reduceOnly: false }, BOOK, RULES));
    expect(rejected(ledger.execute('acc', { symbol: 'TEST-PERP', side: 'BUY', size: 1, reduceOnly: true }, BOOK, RULES)).reason).toBe('REDUCE_ONLY_INCREASES');
    expect(rejected(ledger.execute('acc', { symbol: 'TEST-PERP', side: 'SELL', size: 1.5, reduceOnly: true }, BOOK, RULES)).reason).toBe('REDUCE_ONLY_INCREASES');
    expect(ledger.position('acc', 'TEST-PERP').size).toBe(1);
  });

  it('rejects an order whose initial margin exceeds equity and leaves the account untouched', () => {
    const ledger = new SimLedger({ initialBalance: 50 });
    const r = rejected(ledger.execute('acc', { symbol: 'TEST-PERP', side: 'BUY', size: 8, reduceOnly: false }, BOOK, RULES));
    expect(r.reason).toBe('INSUFFICIENT_MARGIN');
    expect(ledger.balance('acc')).toBe(50);
    expect(ledger.position('acc', 'TEST-PERP').size).toBe(0);
    // 4 units need ~40 USD of initial margin: that fits.
    expect(filled(ledger.execute('acc', { symbol: 'TEST-PERP', side: 'BUY', size: 4, reduceOnly: false }, BOOK, RULES)).filledSize).toBe(4);
  });

  it('never refuses a reduction for margin', () => {
    const ledger = new SimLedger({ initialBalance: 50 });
    filled(ledger.execute('acc', { symbol: 'TEST-PERP', side: 'BUY', size: 4, reduceOnly: false }, BOOK, RULES));
    ledger.setBalance('acc', 1); // e.g. after losses
    expect(filled(ledger.execute('acc', { symbol: 'TEST-PERP', side: 'SELL', size: 4, reduceOnly: true }, BOOK, RULES)).position.size).toBe(0);
  });

  it('rejects orders below the minimum notional, except reduce-only ones', () => {
    const ledger = new SimLedger();
    expect(rejected(ledger.execute('acc', { symbol: 'TEST-PERP', side: 'BUY', size: 0.05, reduceOnly: false }, BOOK, RULES)).reason).toBe('NOTIONAL_BELOW_MIN');
    filled(ledger.execute('acc', { symbol: 'TEST-PERP', side: 'BUY', size: 0.15, reduceOnly: false }, BOOK, RULES));
    expect(filled(ledger.execute('acc', { symbol: 'TEST-PERP', side: 'SELL', size: 0.05, reduceOnly: true }, BOOK, RULES)).filledSize).toBe(0.05);
  });

  it('rejects sizes off the increment or below the minimum, and prices off the tick', () => {
    const ledger = new SimLedger();
    const rules = { ...RULES, minNotional: 0, minSize: 0.1 };
    expect(rejected(ledger.execute('acc', { symbol: 'TEST-PERP', side: 'BUY', size: 1.005, reduceOnly: false }, BOOK, rules)).reason).toBe('SIZE_NOT_ON_INCREMENT');
    expect(rejected(ledger.execute('acc', { symbol: 'TEST-PERP', side: 'BUY', size: 0.05, reduceOnly: false }, BOOK, rules)).reason).toBe('SIZE_BELOW_MIN');
    expect(rejected(ledger.execute('acc', { symbol: 'TEST-PERP', side: 'BUY', size: 1, worstPrice: 100.2, reduceOnly: false }, BOOK, rules)).reason).toBe('PRICE_NOT_ON_TICK');
    expect(rejected(ledger.execute('acc', { symbol: 'TEST-PERP', side: 'BUY', size: 2000, reduceOnly: false }, BOOK, rules)).reason).toBe('SIZE_ABOVE_MAX');
  });

  it('fills a fill-or-kill order completely or not at all', () => {
    const ledger = new SimLedger();
    const none = filled(ledger.execute('acc', { symbol: 'TEST-PERP', side: 'BUY', size: 4, worstPrice: 100.5, fillOrKill: true, reduceOnly: false }, BOOK, RULES));
    expect(none.filledSize).toBe(0);
    expect(none.remainingSize).toBe(4);
    expect(ledger.position('acc', 'TEST-PERP').size).toBe(0);
    const all = filled(ledger.execute('acc', { symbol: 'TEST-PERP', side: 'BUY', size: 3, worstPrice: 100.5, fillOrKill: true, reduceOnly: false }, BOOK, RULES));
    expect(all.filledSize).toBe(3);
  });

  it('fills at most the injected fraction of an order', () => {
    const ledger = new SimLedger();
    const exec = filled(ledger.execute('acc', { symbol: 'TEST-PERP', side: 'BUY', size: 3, maxFillFraction: 0.5, reduceOnly: false }, BOOK, RULES));
    expect(exec.filledSize).toBe(1.5);
    expect(exec.remainingSize).toBe(1.5);
  });

  it('values unrealised PnL and free collateral at the marks', () => {
    const ledger = new SimLedger({ initialBalance: 1_000 });
    filled(ledger.execute('acc', { symbol: 'TEST-PERP', side: 'BUY', size: 1, reduceOnly: false }, BOOK, RULES)); // 1 @ 100
    const s = ledger.summary('acc', () => 110);
    expect(s.unrealisedPnl).toBeCloseTo(10, 9);
    expect(s.equity).toBeCloseTo(1_000 - 0.1 + 10, 9);
    expect(s.initialMargin).toBeCloseTo(11, 9);
    expect(s.freeCollateral).toBeCloseTo(s.equity - 11, 9);
  });

  it('keeps positions on the lot size across many small fills', () => {
    const ledger = new SimLedger();
    const rules = { ...RULES, minNotional: 0 };
    for (let i = 0; i < 10; i++) filled(ledger.execute('acc', { symbol: 'TEST-PERP', side: 'BUY', size: 0.1, reduceOnly: false }, BOOK, rules));
    expect(ledger.position('acc', 'TEST-PERP').size).toBe(1);
    for (let i = 0; i < 10; i++) filled(ledger.execute('acc', { symbol: 'TEST-PERP', side: 'SELL', size: 0.1, reduceOnly: true }, BOOK, rules));
    expect(ledger.position('acc', 'TEST-PERP')).toMatchObject({ size: 0, entryPrice: 0 });
  });
});

describe('market rules from SIM_MARKETS', () => {
  const btc = SIM_MARKETS[0]!;

  it('gives Paradex 10x margin and its lot, tick and min notional', () => {
    expect(paradexRules(btc)).toMatchObject({ symbol: 'BTC-USD-PERP', sizeIncrement: 0.00001, priceTick: 0.1, minNotional: 10, initMarginRatio: 0.1, takerFee: 0.00045 });
  });

  it('gives Vest its decimals as lot and tick, its margin ratio and no min notional', () => {
    expect(vestRules(btc)).toMatchObject({ symbol: 'BTC-PERP', sizeIncrement: 0.0001, priceTick: 0.01, minNotional: 0, initMarginRatio: 0.02, takerFee: 0.0001 });
  });
});

import { FundingModel, DEFAULT_FUNDING_MODEL } from '../../src/sim/funding-model';
import { SimFundingAccounts } from '../../src/sim/funding-accounts';

const STEP_MS = 1000;

function run(seed: number, steps: number, opts = {}): { model: FundingModel; rates: { paradex: number[]; vest: number[] } } {
  const model = new FundingModel(seed, ['BTC'], opts);
  const rates = { paradex: [] as number[], vest: [] as number[] };
  for (let i = 0; i < steps; i++) {
    model.step(STEP_MS, () => 100_000);
    rates.paradex.push(model.state('paradex', 'BTC')!.ratePerHour);
    rates.vest.push(model.state('vest', 'BTC')!.ratePerHour);
  }
  return { model, rates };
}

const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

describe('FundingModel (simulated venues)', () => {
  it('is a pure function of the seed', () => {
    const a = run(3, 500);
    const b = run(3, 500);
    const c = run(4, 500);
    expect(b.rates).toEqual(a.rates);
    expect(c.rates.paradex).not.toEqual(a.rates.paradex);
  });

  it('mean-reverts to different long-run means per venue, and rates flip sign', () => {
    const { rates } = run(1, 20_000);
    expect(mean(rates.paradex)).toBeCloseTo(DEFAULT_FUNDING_MODEL.paradexMeanPerHour, 5);
    expect(mean(rates.vest)).toBeCloseTo(DEFAULT_FUNDING_MODEL.vestMeanPerHour, 5);
    expect(mean(rates.paradex)).toBeGreaterThan(mean(rates.vest));
    for (const series of [rates.paradex, rates.vest]) {
      expect(series.some((r) => r > 0)).toBe(true);
      expect(series.some((r) => r < 0)).toBe(true);
    }
  });

  it('grows the index by rate × price × hours at the rate in force over each step', () => {
    const model = new FundingModel(9, ['BTC'], { timeScale: 3600 }); // one funding hour per model second
    let expected = 0;
    for (let i = 0; i < 50; i++) {
      expected += model.state('vest', 'BTC')!.ratePerHour * 2_000 * 1;
      model.step(STEP_MS, () => 2_000);
    }
    expect(model.state('vest', 'BTC')!.index).toBeCloseTo(expected, 12);
  });

  it('records each completed funding hour\'s mean rate: at a flat price, rate × price summed = the index\'s growth', () => {
    const model = new FundingModel(9, ['BTC'], { timeScale: 360 }); // 0.1 funding hour per 1 s step
    let at = 0;
    for (let i = 0; i < 95; i++) model.step(STEP_MS, () => 2_000, 1, (at += STEP_MS));
    const rows = model.history('vest', 'BTC');
    expect(rows).toHaveLength(9); // 9.5 hours: 9 complete
    const indexAtHour9 = rows.reduce((acc, r) => acc + r.oneHrFundingRate * 2_000, 0);
    // The index kept growing for half an hour more: compare with the 9 hours' worth by stepping a twin to exactly 9 h.
    const twin = new FundingModel(9, ['BTC'], { timeScale: 360 });
    for (let i = 0; i < 90; i++) twin.step(STEP_MS, () => 2_000);
    expect(indexAtHour9).toBeCloseTo(twin.state('vest', 'BTC')!.index, 9);
    expect(rows[0]!.time).toBeGreaterThan(0);
    expect(model.history('paradex', 'BTC')).toHaveLength(9);
  });

  it('keeps each index in its venue\'s quote currency: Vest\'s (USDC) off par grows by the USD price ÷ USD per USDC', () => {
    const atPar = new FundingModel(9, ['BTC'], { timeScale: 3600 });
    const offPar = new FundingModel(9, ['BTC'], { timeScale: 3600 });
    for (let i = 0; i < 50; i++) {
      atPar.step(STEP_MS, () => 2_000);
      offPar.step(STEP_MS, () => 2_000, 0.99);
    }
    expect(offPar.state('vest', 'BTC')!.index).toBeCloseTo(atPar.state('vest', 'BTC')!.index / 0.99, 9);
    expect(offPar.state('paradex', 'BTC')!.index).toBe(atPar.state('paradex', 'BTC')!.index); // Paradex quotes USD
  });

  it('holds a rate on demand (a funding flip) until released', () => {
    const model = new FundingModel(1, ['BTC']);
    model.setRate('vest', 'BTC', -0.001);
    model.step(STEP_MS, () => 100);
    model.step(STEP_MS, () => 100);
    expect(model.state('vest', 'BTC')!.ratePerHour).toBe(-0.001);
    model.releaseRate('vest', 'BTC');
    model.step(STEP_MS, () => 100);
    expect(model.state('vest', 'BTC')!.ratePerHour).not.toBe(-0.001);
    expect(() => model.setRate('vest', 'ETH', 0)).toThrow(/no funding/);
  });
});

describe('SimFundingAccounts', () => {
  it('shows accrual as unsettled, settles it on a position change and restarts from the new index', () => {
    const f = new SimFundingAccounts();
    expect(f.settle('acct', 'BTC-PERP', 0, 10)).toBe(0); // opening: nothing held before
    expect(f.entryIndex('acct', 'BTC-PERP')).toBe(10);
    // Long 2 while the index rises 10 → 13: owes 6.
    expect(f.unsettledUsd('acct', 'BTC-PERP', 2, 13)).toBeCloseTo(-6, 12);
    expect(f.settle('acct', 'BTC-PERP', 2, 13)).toBeCloseTo(-6, 12);
    expect(f.unsettledUsd('acct', 'BTC-PERP', 1, 13)).toBe(0);
    // Now long 1 while it falls 13 → 11: earns 2.
    expect(f.settle('acct', 'BTC-PERP', 1, 11)).toBeCloseTo(2, 12);
    expect(f.settledUsd('acct', 'BTC-PERP')).toBeCloseTo(-4, 12);
    expect(f.unsettledUsd('other', 'BTC-PERP', 5, 99)).toBe(0);
  });

  it('keeps each settlement of a held position as a payment, and starts a new position’s settled funding from zero', () => {
    const f = new SimFundingAccounts();
    f.settle('acct', 'BTC-PERP', 0, 10, { time: 1 }); // open from flat: nothing paid, no payment row
    f.settle('acct', 'BTC-PERP', -2, 12, { time: 2, fillId: 'f2' }); // short 2 while 10 → 12: receives 4
    f.settle('other', 'BTC-PERP', 0, 12, { time: 2 });
    expect(f.payments('acct')).toEqual([{ account: 'acct', symbol: 'BTC-PERP', paymentUsd: 4, index: 12, at: 2, fillId: 'f2' }]);
    expect(f.payments('other')).toEqual([]);
    expect(f.settledUsd('acct', 'BTC-PERP')).toBe(4);
    // Flat again, then a new position: its settledFunding (Vest) is its own, not the last one's.
    f.settle('acct', 'BTC-PERP', 0, 15, { time: 3 });
    expect(f.settledUsd('acct', 'BTC-PERP')).toBe(0);
  });
});

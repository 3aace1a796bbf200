import { events } from '../../src/domain/events';
import { pairFundingUsd } from '../../src/domain/funding';
import { bInAUnits, legsUsdPerQuote } from '../../src/domain/market';
import { entrySpread } from '../../src/domain/spread';
import { summarize } from '../../src/report/summary';
import { cleanUp, kinds, openOk, opportunity, PAIR, rig, types } from './executor-rig';

afterEach(cleanUp);

describe('executor: open and close', () => {
  it('opens both legs, closes them, and reports the realised PnL and fees from the fills', async () => {
    const r = rig();
    const res = await r.exec.openPosition(opportunity(r));
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    const p = res.position;
    expect(p).toMatchObject({ direction: 'AOverB', size: 0.01, longVenue: 'vest', shortVenue: 'paradex', longEntryPrice: 100_010, shortEntryPrice: 100_300 });
    expect(p.entrySpread).toBeCloseTo(((100_300 - 100_010) / 100_010) * 100, 10);
    expect(r.vest.holding()).toBe(0.01);
    expect(r.paradex.holding()).toBe(-0.01);
    expect(types(res.events)).toEqual(['ORDER_PLACED', 'ORDER_PLACED', 'ORDER_FILLED', 'ORDER_FILLED', 'TRADE_ENTRY', 'SLIPPAGE_ANALYSIS']);
    // Both legs were IOC with a 0.5 % cap from the detected prices.
    const [buy] = r.vest.submitted;
    const [sell] = r.paradex.submitted;
    expect(buy).toMatchObject({ side: 'BUY', timeInForce: 'IOC', reduceOnly: false });
    expect(buy!.price).toBeCloseTo(100_010 * 1.005, 0);
    expect(sell!.price).toBeCloseTo(100_300 * 0.995, 0);

    r.vest.bid = 100_200; // the long sells here
    r.paradex.ask = 100_220; // the short buys back here
    const closed = await r.exec.closePosition(p);
    expect(closed.ok).toBe(true);
    expect(closed.grossPnlUsd).toBeCloseTo((100_200 - 100_010) * 0.01 + (100_300 - 100_220) * 0.01, 9);
    const entryFees = 0.01 * 100_010 * 0.0001 + 0.01 * 100_300 * 0.00045;
    const exitFees = 0.01 * 100_200 * 0.0001 + 0.01 * 100_220 * 0.00045;
    expect(closed.feesUsd).toBeCloseTo(entryFees + exitFees, 9);
    expect(closed.legs.long).toMatchObject({ flat: true, closedSize: 0.01, avgExitPrice: 100_200, side: 'SELL' });
    expect(closed.legs.short).toMatchObject({ flat: true, closedSize: 0.01, avgExitPrice: 100_220, side: 'BUY' });
    expect(r.vest.submitted[1]).toMatchObject({ reduceOnly: true, side: 'SELL' });
    expect(r.paradex.submitted[1]).toMatchObject({ reduceOnly: true, side: 'BUY' });
    expect(r.vest.holding()).toBe(0);
    expect(r.paradex.holding()).toBe(0);
    expect(r.exec.currentPosition()).toBeUndefined();
    // 'close_armed': the pre-signed close ids are made durable when signed, before they can be sent.
    expect(kinds(r.journal)).toEqual(['opening', 'leg_filled', 'leg_filled', 'open', 'close_armed', 'closing', 'leg_filled', 'leg_filled', 'closed']);
    expect(r.journal.lastState(PAIR).phase).toBe('flat');
  });

  it('takes USDC/USD off par: the fills\' entry spread in the decision\'s unit, each leg\'s PnL, fees and funding in USD, and the summary adds up', async () => {
    const usdcUsd = 0.999; // 1 USDC = 0.999 USD: Vest's USDC prices are worth 0.1 % less than Paradex's USD ones
    const r = rig({ usdcUsd });
    const res = await r.exec.openPosition(opportunity(r));
    if (!res.ok) throw new Error(res.reason);
    const p = res.position;
    // Long Vest at its ask 100,010 USDC, short Paradex at its bid 100,300 USD: the decision's spread on those quotes.
    const decided = entrySpread('AOverB', { askA: 100_010, bidA: undefined, askB: undefined, bidB: 100_300, bToA: bInAUnits('vest', 'paradex', usdcUsd) });
    expect(p.entrySpread).toBeCloseTo(decided!, 12);
    expect(p.entrySpread).toBeCloseTo(((100_300 - 100_010 * 0.999) / (100_010 * 0.999)) * 100, 12); // ≈ 0.390 %, not 0.290 %
    expect(p.usdcUsd).toBe(usdcUsd);
    expect(r.journal.lastState(PAIR).position?.usdcUsd).toBe(usdcUsd);

    r.vest.bid = 100_200;
    r.paradex.ask = 100_220;
    const closed = await r.exec.closePosition(p);
    // The Vest leg made 1.90 USDC = 1.8981 USD; the Paradex leg 0.80 USD.
    const vestLegUsd = (100_200 - 100_010) * 0.01 * usdcUsd;
    const paradexLegUsd = (100_300 - 100_220) * 0.01;
    expect(closed.grossPnlUsd).toBeCloseTo(vestLegUsd + paradexLegUsd, 9);

    // Both venues charge fees in USDC (the fakes name no currency: USDC): each fee counts × 0.999 in USD.
    const feesUsdc = 0.01 * 100_010 * 0.0001 + 0.01 * 100_300 * 0.00045 + 0.01 * 100_200 * 0.0001 + 0.01 * 100_220 * 0.00045;
    expect(closed.feesUsd).toBeCloseTo(feesUsdc * usdcUsd, 12);
    const filledFees = [...res.events, ...closed.events].flatMap((e) => (e.type === 'ORDER_FILLED' ? [e.feeUsd] : []));
    expect(filledFees[0]).toBeCloseTo(0.01 * 100_010 * 0.0001 * usdcUsd, 12);
    expect(filledFees.reduce((a, b) => a + b, 0)).toBeCloseTo(closed.feesUsd!, 12);
    // Funding, from the index differences in each venue's quote currency: the Vest long paid 2 USDC per BTC
    // (0.02 USDC = 0.01998 USD), the Paradex short received 5 USD per BTC (0.05 USD).
    const funding = pairFundingUsd(0.01, { entry: 10, now: 12 }, { entry: 100, now: 105 }, legsUsdPerQuote('vest', 'paradex', usdcUsd));
    expect(funding.longUsd).toBeCloseTo(-0.02 * usdcUsd, 12);
    expect(funding.shortUsd).toBeCloseTo(0.05, 12);

    // The run summary of these events: net = gross − fees + funding, every figure USD.
    const log = [
      ...res.events,
      events.positionOpened(p.openedAt, { pair: PAIR, direction: p.direction, entrySpread: p.entrySpread, size: p.size, restored: false, longVenue: 'vest', shortVenue: 'paradex', openedAt: p.openedAt }),
      ...closed.events,
      events.positionClosed(p.openedAt + 1, {
        pair: PAIR,
        polls: 1,
        entrySpread: p.entrySpread,
        exitSpread: 0,
        profit: 0,
        grossPnlUsd: closed.grossPnlUsd!,
        feesUsd: closed.feesUsd!,
        fundingUsd: funding.totalUsd,
        fundingLongUsd: funding.longUsd,
        fundingShortUsd: funding.shortUsd,
      }),
    ];
    const s = summarize(log);
    expect(s.grossPnlUsd).toBeCloseTo(vestLegUsd + paradexLegUsd, 9);
    expect(s.feesUsd).toBeCloseTo(feesUsdc * usdcUsd, 12);
    expect(s.fundingUsd).toBeCloseTo(0.05 - 0.02 * usdcUsd, 12);
    expect(s.netPnlUsd).toBeCloseTo(vestLegUsd + paradexLegUsd - feesUsdc * usdcUsd + 0.05 - 0.02 * usdcUsd, 12);
    expect(s.netPnlUsd).toBeCloseTo(s.grossPnlUsd - s.feesUsd + s.fundingUsd, 12);
    expect(s.trades[0]!.grossPnlUsd).toBeCloseTo(s.grossPnlUsd, 9);
    expect(s.trades[0]!.fundingUsd).toBeCloseTo(s.fundingUsd, 12);
  });

  it('journals the opening with both client ids before either order is sent', async () => {
    const r = rig();
    let journalAtFirstSend: string[] = [];
    const submit = r.vest.submitOrder.bind(r.vest);
    r.vest.submitOrder = (prepared) => {
      journalAtFirstSend = kinds(r.journal);
      return submit(prepared);
    };
    await openOk(r);
    expect(journalAtFirstSend[0]).toBe('opening');
    const opening = r.journal.entries(PAIR)[0];
    expect(opening?.kind === 'opening' && [opening.long.clientId, opening.short.clientId]).toEqual([
      r.vest.submitted[0]!.clientId,
      r.paradex.submitted[0]!.clientId,
    ]);
  });

  it('sends the same size on both legs, rounded down to the coarser increment', async () => {
    const r = rig({ size: 0.01234 });
    // vest increment 0.0001, paradex 0.00001
    const p = await openOk(r);
    expect(p.size).toBe(0.0123);
    expect(r.vest.submitted[0]!.size).toBe(0.0123);
    expect(r.paradex.submitted[0]!.size).toBe(0.0123);
  });
});

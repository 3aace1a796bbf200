/**
 * The run summary: realised figures, the open position marked to the books, and a trade table that adds up to
 * them, folded from the event log as the bot writes it.
 */
import fc from 'fast-check';
import { events } from '../../src/domain/events';
import { realisedNetDeltaUsd } from '../../src/domain/pnl';
import { summarize, summaryJson, summaryTable, SummaryFold, type RoundTrip, type RunSummary } from '../../src/report/summary';
import { EventScript, TAKER } from '../support/trading-events';

const close = (a: number | undefined, b: number | undefined) => {
  expect(a).toBeDefined();
  expect(b).toBeDefined();
  expect(a!).toBeCloseTo(b!, 9);
};

/** The table's totals, as the report sums its rows: every round trip, the open positions, fees outside trades. */
function tableTotals(s: RunSummary) {
  const gross = s.trades.reduce((a, t) => a + t.grossPnlUsd, 0) + s.outsideTrades.grossPnlUsd;
  const fees = s.trades.reduce((a, t) => a + t.feesUsd, 0) + s.openPositions.reduce((a, o) => a + o.feesUsd, 0) + s.outsideTrades.feesUsd;
  const byVenue = (v: 'vest' | 'paradex') =>
    s.trades.reduce((a, t) => a + (t.feesByVenue[v] ?? 0), 0) +
    s.openPositions.reduce((a, o) => a + (o.feesByVenue[v] ?? 0), 0) +
    (s.outsideTrades.feesByVenue[v] ?? 0);
  return { gross, fees, net: gross - fees + s.trades.reduce((a, t) => a + t.fundingUsd, 0), vest: byVenue('vest'), paradex: byVenue('paradex') };
}

/** Two round trips (one wins, one loses), then a position left open and marked twice. */
function twoTripsAndOneOpen() {
  return new EventScript()
    .samples(4)
    .trip({ longEntry: 100_000, shortEntry: 100_200, longExit: 100_150, shortExit: 100_140, marks: [{ longExit: 100_050, shortExit: 100_180 }] })
    .samples(3)
    .trip({ direction: 'BOverA', longEntry: 100_300, shortEntry: 100_480, longExit: 100_250, shortExit: 100_460 })
    .trip({ longEntry: 100_500, shortEntry: 100_700, marks: [{ longExit: 100_480, shortExit: 100_690 }, { longExit: 100_560, shortExit: 100_600 }] })
    .shutdown();
}

describe('summary: realised figures', () => {
  it('counts opened = closed + open at exit, and net = gross − fees', () => {
    const s = summarize(twoTripsAndOneOpen());
    expect([s.opened, s.closed, s.openAtExit, s.roundTrips]).toEqual([3, 2, 1, 2]);
    expect(s.opened).toBe(s.closed + s.openAtExit);
    close(s.netPnlUsd, s.grossPnlUsd - s.feesUsd + s.fundingUsd);
    expect(s.fundingUsd).toBe(0);
  });

  it('takes gross PnL from the closes and fees from every fill, the open position’s entry included', () => {
    const s = summarize(twoTripsAndOneOpen());
    // Trip 1: long 100 000 → 100 150, short 100 200 → 100 140; trip 2 (BOverA): long 100 300 → 100 250, short 100 480 → 100 460.
    close(s.grossPnlUsd, 0.01 * (150 + 60) + 0.01 * (-50 + 20));
    const fills = [
      ['vest', 100_000], ['paradex', 100_200], ['vest', 100_150], ['paradex', 100_140],
      ['paradex', 100_300], ['vest', 100_480], ['paradex', 100_250], ['vest', 100_460],
      ['vest', 100_500], ['paradex', 100_700],
    ] as const;
    close(s.feesUsd, fills.reduce((a, [venue, price]) => a + 0.01 * price * TAKER[venue], 0));
  });

  it('wins count by net PnL after fees', () => {
    const s = summarize(twoTripsAndOneOpen());
    expect(s.trades.map((t) => t.netPnlUsd > 0)).toEqual([true, false]);
    expect(s.winRate).toBe(0.5);
  });

  it('trusts the executors’ count of open positions over the events’ when told it', () => {
    expect(summarize(twoTripsAndOneOpen(), 1).openAtExit).toBe(1);
    expect(summarize(new EventScript().shutdown(), 0).openAtExit).toBe(0);
  });
});

describe('summary: funding', () => {
  it('books the funding each close realised in the round trip and the run: net = gross − fees + funding', () => {
    const s = summarize(
      new EventScript()
        .trip({ longEntry: 100_000, shortEntry: 100_200, longExit: 100_150, shortExit: 100_140, accruedFunding: [0.02], fundingUsd: 0.025 })
        .trip({ longEntry: 100_000, shortEntry: 100_200, longExit: 100_150, shortExit: 100_140, fundingUsd: -0.04 })
        .shutdown(),
    );
    expect(s.trades.map((t) => t.fundingUsd)).toEqual([0.025, -0.04]);
    for (const t of s.trades) expect(t.netPnlUsd).toBeCloseTo(t.grossPnlUsd - t.feesUsd + t.fundingUsd, 12);
    expect(s.fundingUsd).toBeCloseTo(-0.015, 12);
    expect(s.netPnlUsd).toBeCloseTo(s.grossPnlUsd - s.feesUsd - 0.015, 12);
    expect(s.fundingUnknownTrades).toBe(0);
    // Accrued funding of a closed trade is not counted again: the close realised it.
    expect(s.unrealisedFundingUsd).toBe(0);
  });

  it('counts no funding for a close without a figure, and says why', () => {
    const script = new EventScript().trip({ longEntry: 100_000, shortEntry: 100_200, longExit: 100_150, shortExit: 100_140 });
    const closed = script.log.findIndex((e) => e.type === 'POSITION_CLOSED');
    script.log[closed] = { ...script.log[closed]!, fundingNote: 'funding index at entry unknown' } as (typeof script.log)[number];
    const s = summarize(script.shutdown());
    expect(s.fundingUsd).toBe(0);
    expect(s.fundingUnknownTrades).toBe(1);
    expect(s.trades[0]!.fundingNote).toBe('funding index at entry unknown');
  });

  it('puts an open position’s accrued funding in its unrealised PnL and in net if closed now', () => {
    const s = summarize(new EventScript().trip({ longEntry: 100_000, shortEntry: 100_200, marks: [{ longExit: 100_050, shortExit: 100_180 }], accruedFunding: [0.01, 0.012] }).shutdown());
    const mark = s.openPositions[0]!.mark!;
    expect(s.unrealisedFundingUsd).toBeCloseTo(0.012, 12);
    expect(s.unrealisedPnlUsd).toBeCloseTo(mark.netUsd + 0.012, 12);
    expect(s.netIfClosedNowUsd).toBeCloseTo(s.netPnlUsd + mark.netUsd + 0.012, 12);
    expect(s.fundingUsd).toBe(0);
  });
});

describe('summary: the open position, marked to the last books', () => {
  it('reports its unrealised PnL net of estimated exit fees, and net if closed now = realised net + unrealised', () => {
    const s = summarize(twoTripsAndOneOpen());
    const gross = 0.01 * (100_560 - 100_500) + 0.01 * (100_700 - 100_600);
    const exitFees = 0.01 * 100_560 * TAKER.vest + 0.01 * 100_600 * TAKER.paradex;
    close(s.unrealisedGrossPnlUsd, gross);
    close(s.unrealisedExitFeesUsd, exitFees);
    close(s.unrealisedPnlUsd, gross - exitFees);
    close(s.netIfClosedNowUsd, s.netPnlUsd + s.unrealisedPnlUsd!);
    expect(s.openPositions).toHaveLength(1);
    expect(s.openPositions[0]!.mark?.longExitPrice).toBe(100_560); // the last mark, not the first
    expect(s.unrealisedMarkedAt).toBe(s.openPositions[0]!.mark!.time);
  });

  it('says unknown, not 0, when an open position could not be priced', () => {
    const s = summarize(new EventScript().trip({ longEntry: 100_000, shortEntry: 100_200 }).shutdown());
    expect(s.openPositions).toHaveLength(1);
    expect(s.unrealisedPnlUsd).toBeUndefined();
    expect(s.netIfClosedNowUsd).toBeUndefined();
    expect(summaryJson(s, { mode: 'sim', reportPath: 'r', eventsPath: 'e' })).toMatchObject({ unrealisedPnlUsd: null, netIfClosedNowUsd: null });
  });

  it('is exactly 0 with nothing open, so net if closed now is the realised net', () => {
    const s = summarize(new EventScript().trip({ longEntry: 100_000, shortEntry: 100_200, longExit: 100_100, shortExit: 100_100 }).shutdown());
    expect(s.unrealisedPnlUsd).toBe(0);
    expect(s.netIfClosedNowUsd).toBe(s.netPnlUsd);
  });
});

describe('summary: the trade table adds up to the header', () => {
  it('puts every fill in exactly one row: round trips, the open position, fees outside trades', () => {
    const log = new EventScript()
      .trip({ longEntry: 100_000, shortEntry: 100_200, longExit: 100_150, shortExit: 100_140 })
      .failedEntry({ longEntry: 100_100, unwindAt: 100_090 })
      .trip({ longEntry: 100_500, shortEntry: 100_700, marks: [{ longExit: 100_480, shortExit: 100_690 }] })
      .shutdown();
    const s = summarize(log);
    const t = tableTotals(s);
    close(t.gross, s.grossPnlUsd);
    close(t.fees, s.feesUsd);
    close(t.net, s.netPnlUsd);
    close(t.vest + t.paradex, s.feesUsd);
    expect(s.outsideTrades.failedEntries).toBe(1);
    close(s.outsideTrades.feesUsd, 0.01 * (100_100 + 100_090) * TAKER.vest);
    expect(s.outsideTrades.feesByVenue.paradex ?? 0).toBe(0);
    expect(s.legsUnwound).toBe(1);
    // The excess long bought at 100,100 and sold back at 100,090: a realised price loss of 0.1 USD, in the gross.
    expect(s.outsideTrades.unwinds).toBe(1);
    close(s.outsideTrades.grossPnlUsd, -0.1);
    expect(s.outsideTrades.unwindsUnpriced).toBe(0);
  });

  it('counts an unwind without a price as unpriced, not as a zero loss', () => {
    const s = summarize([events.legUnwound(1, { pair: 'BTC-PERP', venue: 'vest', size: 0.01, ok: true, reason: 'unwound' })]);
    expect(s.outsideTrades).toMatchObject({ unwinds: 1, unwindsUnpriced: 1, grossPnlUsd: 0 });
    expect(s.grossPnlUsd).toBe(0);
  });

  it('holds for any mix of wins, losses, failed entries and a position left open', () => {
    const trip = fc.record({
      kind: fc.constantFrom('win', 'loss', 'failed', 'open'),
      direction: fc.constantFrom('AOverB' as const, 'BOverA' as const),
      base: fc.integer({ min: 50_000, max: 150_000 }),
      entryBp: fc.integer({ min: 5, max: 40 }),
      moveBp: fc.integer({ min: -30, max: 30 }),
    });
    fc.assert(
      fc.property(fc.array(trip, { maxLength: 12 }), (trips) => {
        const script = new EventScript();
        let open = false;
        for (const t of trips) {
          if (open) break; // one position per pair: nothing after an open one
          const longEntry = t.base;
          const shortEntry = t.base * (1 + t.entryBp / 1e4);
          if (t.kind === 'failed') {
            script.failedEntry({ direction: t.direction, longEntry, unwindAt: longEntry * (1 + t.moveBp / 1e4) });
            continue;
          }
          const converge = t.kind === 'win' ? 0.9 : -0.5;
          const longExit = longEntry * (1 + (t.moveBp / 1e4) * 0.5 + (t.entryBp / 1e4) * converge * 0.5);
          const shortExit = shortEntry * (1 + (t.moveBp / 1e4) * 0.5 - (t.entryBp / 1e4) * converge * 0.5);
          if (t.kind === 'open') {
            script.trip({ direction: t.direction, longEntry, shortEntry, marks: [{ longExit, shortExit }] });
            open = true;
          } else {
            script.trip({ direction: t.direction, longEntry, shortEntry, longExit, shortExit });
          }
        }
        const log = script.shutdown();
        const s = summarize(log);
        const totals = tableTotals(s);
        expect(s.opened).toBe(s.closed + s.openAtExit);
        // The loss limit's figure (each event's realised delta, summed as the bot emits them) is the summary's net.
        expect(log.reduce((a, e) => a + realisedNetDeltaUsd(e), 0)).toBeCloseTo(s.netPnlUsd, 9);
        expect(totals.gross).toBeCloseTo(s.grossPnlUsd, 9);
        expect(totals.fees).toBeCloseTo(s.feesUsd, 9);
        expect(totals.vest + totals.paradex).toBeCloseTo(s.feesUsd, 9);
        expect(s.netPnlUsd).toBeCloseTo(s.grossPnlUsd - s.feesUsd, 9);
        for (const r of s.trades) expect(r.netPnlUsd).toBeCloseTo(r.grossPnlUsd - r.feesUsd, 9);
        const unrealised = s.openPositions.reduce((a, o) => a + (o.mark?.netUsd ?? 0), 0);
        expect(s.unrealisedPnlUsd).toBeCloseTo(unrealised, 9);
        expect(s.netIfClosedNowUsd).toBeCloseTo(s.netPnlUsd + unrealised, 9);
        expect(s.maxDrawdownUsd).toBeGreaterThanOrEqual(0);
      }),
      { seed: 11, numRuns: 200 },
    );
  });

  it('keeps a restored position’s entry fees, paid by an earlier run, out of this run’s fees and says so', () => {
    const s = summarize(new EventScript().trip({ restored: true, longEntry: 100_000, shortEntry: 100_200, longExit: 100_150, shortExit: 100_140 }).shutdown());
    const trip = s.trades[0]!;
    const exitFees = 0.01 * 100_150 * TAKER.vest + 0.01 * 100_140 * TAKER.paradex;
    close(trip.feesUsd, exitFees);
    close(s.feesUsd, exitFees);
    close(trip.earlierRunFeesUsd, 0.01 * 100_000 * TAKER.vest + 0.01 * 100_200 * TAKER.paradex);
    expect(trip.restored).toBe(true);
    expect(trip.openedAt).toBeLessThan(trip.closedAt - 3_000_000); // the original open time, an hour before
  });
});

describe('summary: each round trip’s legs', () => {
  it('reports both legs’ fill prices, size, notional and the exit reason', () => {
    const s = summarize(new EventScript().trip({ longEntry: 100_000, shortEntry: 100_200, longExit: 100_150, shortExit: 100_140, reason: 'exit_target' }).shutdown());
    expect(s.trades[0]).toMatchObject({
      direction: 'AOverB',
      longVenue: 'vest',
      shortVenue: 'paradex',
      longEntryPrice: 100_000,
      shortEntryPrice: 100_200,
      longExitPrice: 100_150,
      shortExitPrice: 100_140,
      size: 0.01,
      notionalUsd: 1_000,
      exitReason: 'exit_target',
    });
    close(s.trades[0]!.feesByVenue.vest, 0.01 * (100_000 + 100_150) * TAKER.vest);
    close(s.trades[0]!.feesByVenue.paradex, 0.01 * (100_200 + 100_140) * TAKER.paradex);
  });

  it('measures slippage in basis points against the spreads the decisions saw', () => {
    const s = summarize(
      new EventScript().trip({ longEntry: 100_000, shortEntry: 100_200, detected: 0.25, longExit: 100_150, shortExit: 100_140, exitDecided: 0.02 }).shutdown(),
    );
    const t = s.trades[0]!;
    close(t.entrySpread, 0.2);
    close(t.entrySlippageBps, (0.25 - 0.2) * 100); // 5 bp worse than decided
    close(t.exitFillSpread, ((100_150 - 100_140) / 100_140) * 100);
    close(t.exitSlippageBps, (0.02 - t.exitFillSpread!) * 100);
    expect(t.detectedSpread).toBe(0.25);
    expect(t.exitSpread).toBe(0.02);
  });

  it('names a close on shutdown, which no tick decided', () => {
    const s = summarize(new EventScript().trip({ longEntry: 100_000, shortEntry: 100_200, longExit: 100_150, shortExit: 100_140, reason: 'close_on_exit' }).shutdown());
    expect(s.trades[0]!.exitReason).toBe('close_on_exit');
    expect(s.trades[0]!.exitSpread).toBeNaN();
    expect(s.trades[0]!.exitFillSpread).toBeCloseTo(((100_150 - 100_140) / 100_140) * 100, 9);
  });
});

describe('summary: drawdown', () => {
  it('is the largest fall of net if closed now from its running peak, with when it began and ended', () => {
    // Marks: net if closed now rises, falls by the most, recovers, falls again by less.
    const log = new EventScript()
      .trip({
        longEntry: 100_000,
        shortEntry: 100_200,
        marks: [
          { longExit: 100_300, shortExit: 100_200 }, // gross +3: above the start, after fees
          { longExit: 99_900, shortExit: 100_200 }, // gross −1
          { longExit: 100_400, shortExit: 100_200 }, // gross +4
          { longExit: 100_300, shortExit: 100_200 }, // gross +3
        ],
      })
      .shutdown();
    const s = summarize(log);
    const marks = log.filter((e) => e.type === 'SPREAD_MONITORING');
    // From the +3 mark to the −1 mark: 4 USD of gross, less the difference in estimated exit fees.
    const net = (i: number) => (marks[i] as Extract<typeof marks[number], { type: 'SPREAD_MONITORING' }>).position!.netUsd;
    close(s.maxDrawdownUsd, net(0) - net(1));
    expect(s.maxDrawdownFrom).toBe(marks[0]!.time);
    expect(s.maxDrawdownTo).toBe(marks[1]!.time);
  });

  it('counts closed-trade drawdown from the start of the run, so a first losing trade is one', () => {
    const s = summarize(new EventScript().trip({ longEntry: 100_000, shortEntry: 100_100, longExit: 99_900, shortExit: 100_150 }).shutdown());
    expect(s.netPnlUsd).toBeLessThan(0);
    close(s.maxDrawdownRealisedUsd, -s.netPnlUsd);
  });
});

describe('summary: the fold', () => {
  it('gives the same summary folded one event at a time, read at any moment', () => {
    const log = twoTripsAndOneOpen();
    const fold = new SummaryFold();
    log.forEach((e) => fold.add(e));
    expect(fold.summary()).toEqual(summarize(log));
  });

  it('tolerates a close with no fills in the log (fees then come only from fills)', () => {
    const s = summarize([
      events.positionOpened(1, { pair: 'BTC-PERP', direction: 'AOverB', entrySpread: 0.2, size: 0.01, restored: false }),
      events.positionClosed(2, { pair: 'BTC-PERP', polls: 1, entrySpread: 0.2, exitSpread: 0, profit: 0.2, grossPnlUsd: 2, feesUsd: 0.5 }),
    ]);
    expect(s.grossPnlUsd).toBe(2);
    expect(s.feesUsd).toBe(0);
    expect(s.trades[0]!.netPnlUsd).toBe(2);
  });
});

describe('summary: what it prints and writes', () => {
  it('labels the realised figures as realised in the console table and shows the unrealised and total', () => {
    const table = summaryTable(summarize(twoTripsAndOneOpen()));
    expect(table).toMatch(/realised gross PnL\s+\$/);
    expect(table).toMatch(/realised fees\s+\$/);
    expect(table).toMatch(/realised net PnL\s+-?\$/);
    expect(table).toMatch(/unrealised net PnL \(open, marked to the books\)\s+-?\$[\d.]+ \(gross -?\$[\d.]+, est\. exit fees \$[\d.]+/);
    expect(table).toMatch(/net if closed now\s+-?\$/);
  });

  it('keeps every --summary-json key of before, in order, and adds the new ones after', () => {
    const json = summaryJson(summarize(twoTripsAndOneOpen()), { mode: 'sim', reportPath: '/r/report.html', eventsPath: '/r/events.ndjson' });
    const before = [
      'mode', 'roundTrips', 'opened', 'closed', 'openAtExit', 'grossPnlUsd', 'feesUsd', 'netPnlUsd', 'winRate', 'avgHoldMs',
      'signalToFillP50Ms', 'signalToFillP99Ms', 'legsUnwound', 'closeFailures', 'reportPath', 'eventsPath',
    ];
    expect(Object.keys(json).slice(0, before.length)).toEqual(before);
    expect(Object.keys(json).slice(before.length)).toEqual([
      'fundingUsd', 'unrealisedPnlUsd', 'unrealisedGrossPnlUsd', 'unrealisedExitFeesUsd', 'unrealisedMarkedAt', 'netIfClosedNowUsd',
      'maxDrawdownUsd', 'maxDrawdownRealisedUsd', 'failedEntries', 'firstEventAt', 'lastEventAt',
      'lateFills', 'exposureAtExit', 'unfinishedAtExit', 'fundingUnknownTrades', 'unrealisedFundingUsd',
      'fundingVenueDiffUsd', 'fundingMismatches', 'unwindGrossPnlUsd', 'unwindsUnpriced', 'fundingHeldChecks', 'fundingHeldMismatches',
      'lossBudget',
    ]);
    expect(json.netPnlUsd).toBeCloseTo((json.grossPnlUsd as number) - (json.feesUsd as number), 9);
    expect(json.netIfClosedNowUsd).toBeCloseTo((json.netPnlUsd as number) + (json.unrealisedPnlUsd as number), 9);
    expect(json.unrealisedMarkedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});

describe('summary with rebates', () => {
  const fill = (time: number, venue: 'vest' | 'paradex', feeUsd: number) =>
    events.orderFilled(time, { pair: 'BTC-PERP', venue, clientId: `c${time}`, filledSize: 0.01, avgPrice: 100_000, feeUsd, latencyMs: 3 });

  it('counts a negative fee as a rebate: fees fall and net = gross − fees', () => {
    const s = summarize([
      events.positionOpened(0, { pair: 'BTC-PERP', direction: 'AOverB', size: 0.01, entrySpread: 0.2, restored: false }),
      fill(1, 'vest', -0.1),
      fill(2, 'paradex', 0.45),
      fill(3, 'vest', -0.1),
      fill(4, 'paradex', 0.45),
      events.positionClosed(5, { pair: 'BTC-PERP', entrySpread: 0.2, exitSpread: 0, profit: 0.2, polls: 3, grossPnlUsd: 2, feesUsd: 0.7 }),
    ]);
    expect(s.feesUsd).toBeCloseTo(0.7, 12);
    expect(s.netPnlUsd).toBeCloseTo(1.3, 12);
    expect(summaryTable(s)).toMatch(/realised fees\s+\$0\.70\n/);
  });

  it('says "net rebate received" when rebates exceed fees', () => {
    const s = summarize([fill(1, 'vest', -0.3), fill(2, 'paradex', 0.1)]);
    expect(s.feesUsd).toBeCloseTo(-0.2, 12);
    expect(s.netPnlUsd).toBeCloseTo(0.2, 12);
    expect(summaryTable(s)).toMatch(/realised fees\s+-\$0\.20 \(net rebate received\)/);
  });
});

describe('summary: fills found after the fact, and what a run leaves at exit', () => {
  const PAIR = 'BTC-PERP';
  /** One round trip closed with +2 gross and 0.3 of fees (0.1 entry, 0.2 exit). */
  function roundTrip(t: number) {
    return [
      events.spreadDetected(t, { pair: PAIR, direction: 'AOverB', entrySpread: 0.3, netSpread: 0.2, threshold: 0.06 }),
      events.orderFilled(t, { pair: PAIR, venue: 'vest', clientId: 'a', filledSize: 0.01, avgPrice: 100, feeUsd: 0.1, latencyMs: 1 }),
      events.positionOpened(t, { pair: PAIR, direction: 'AOverB', entrySpread: 0.3, size: 0.01, restored: false }),
      events.orderFilled(t + 5, { pair: PAIR, venue: 'vest', clientId: 'b', filledSize: 0.01, avgPrice: 101, feeUsd: 0.2, latencyMs: 1 }),
      events.positionClosed(t + 10, { pair: PAIR, polls: 3, entrySpread: 0.3, exitSpread: -0.01, profit: 0.29, grossPnlUsd: 2, feesUsd: 0.3 }),
    ];
  }

  it('credits a close fill found after its trade closed to that trade and to the run, and the table still adds up', () => {
    const late = events.fillCredited(1_020, {
      pair: PAIR,
      venue: 'paradex',
      clientId: 'x',
      phase: 'close',
      filledSize: 0.01,
      avgPrice: 101,
      feeUsd: 0.2,
      creditedPnlUsd: -1.5,
      creditedFeesUsd: 0.2,
      reason: 'close fill found after its trade was reported closed; credited to that trade',
    });
    const s = summarize([...roundTrip(1_000), late], 0);
    close(s.grossPnlUsd, 0.5);
    close(s.feesUsd, 0.1 + 0.2 + 0.2);
    close(s.netPnlUsd, s.grossPnlUsd - s.feesUsd);
    expect(s.trades[0]).toMatchObject({ grossPnlUsd: 0.5 });
    close(s.trades[0]!.feesUsd, 0.5);
    close(s.trades[0]!.feesByVenue.paradex, 0.2);
    expect(s.lateFills).toBe(1);
    const totals = tableTotals(s);
    close(totals.gross, s.grossPnlUsd);
    close(totals.fees, s.feesUsd);
    expect(summaryJson(s, { mode: 'sim', reportPath: 'r', eventsPath: 'e' })).toMatchObject({ lateFills: 1, exposureAtExit: [], unfinishedAtExit: false });
  });

  it('counts the fee of a fill found at a restart whose trade reports its own PnL, without crediting the trade twice', () => {
    const found = events.fillCredited(900, { pair: PAIR, venue: 'vest', clientId: 'y', phase: 'open', filledSize: 0.01, avgPrice: 100, feeUsd: 0.05, creditedPnlUsd: 0, creditedFeesUsd: 0, reason: 'entry leg found after a restart' });
    const s = summarize([found, ...roundTrip(1_000)], 0);
    expect(s.grossPnlUsd).toBe(2);
    close(s.feesUsd, 0.35);
    expect(s.trades[0]?.grossPnlUsd).toBe(2);
    close(tableTotals(s).fees, s.feesUsd);
  });

  it('counts an unwind found at a restart on the failed entries’ row with its price PnL, never on the last round trip', () => {
    const unwound = events.fillCredited(1_100, { pair: PAIR, venue: 'vest', clientId: 'u', phase: 'unwind', filledSize: 0.01, avgPrice: 99, feeUsd: 0.05, creditedPnlUsd: -0.1, creditedFeesUsd: 0, reason: 'unwind found after a restart' });
    const s = summarize([...roundTrip(1_000), unwound], 0);
    close(s.grossPnlUsd, 2 - 0.1);
    close(s.outsideTrades.grossPnlUsd, -0.1);
    close(s.outsideTrades.feesUsd, 0.05);
    expect(s.trades[0]).toMatchObject({ grossPnlUsd: 2 });
    close(s.netPnlUsd, [...roundTrip(1_000), unwound].reduce((sum, e) => sum + realisedNetDeltaUsd(e), 0));
    // Without a price it is counted unpriced, not as 0 PnL.
    const { creditedPnlUsd: _known, ...unpriced } = unwound;
    const u = summarize([...roundTrip(1_000), unpriced], 0);
    expect(u.outsideTrades).toMatchObject({ unwindsUnpriced: 1, grossPnlUsd: 0 });
    close(u.grossPnlUsd, 2);
  });

  it('reports the exposure a run leaves, in the JSON and in the table', () => {
    const exposure = {
      pair: PAIR,
      unhedged: [{ venue: 'vest' as const, symbol: 'BTC-PERP', size: 0.01 }],
      pendingOrders: [{ venue: 'paradex' as const, symbol: 'BTC-USD-PERP', side: 'SELL' as const, clientId: 'c2', size: 0.01 }],
      source: 'venues' as const,
      note: 'entry unfinished',
    };
    const s = summarize([], 0, [exposure]);
    expect(s.exposureAtExit).toEqual([exposure]);
    expect(summaryJson(s, { mode: 'live', reportPath: 'r', eventsPath: 'e', unfinished: true })).toMatchObject({ exposureAtExit: [exposure], unfinishedAtExit: true });
    expect(summaryTable(s)).toContain(
      "1 pair(s): BTC-PERP: unhedged vest BTC-PERP long 0.01; pending paradex BTC-USD-PERP SELL 0.01 (order c2, outcome unknown) (entry unfinished; from the venues' positions)",
    );
    expect(summaryTable(summarize([], 0))).toMatch(/unhedged exposure at exit\s+none \(flat\)/);
    // Hedged and still open: "none" must not read as "nothing open".
    expect(summaryTable(summarize([], 1))).toMatch(/unhedged exposure at exit\s+none \(1 hedged position still open\)/);
    expect(summaryTable(summarize([], 2))).toContain('none (2 hedged positions still open)');
  });
});


describe('summary: a long run keeps only the newest rows in memory (tradeRowsKept)', () => {
  /** Five round trips on two pairs, alternating: wins and losses, a funding figure on one. */
  function fiveTrips() {
    const script = new EventScript();
    const prices = [
      { longExit: 100_150, shortExit: 100_140 },
      { longExit: 99_900, shortExit: 100_250 },
      { longExit: 100_180, shortExit: 100_120 },
      { longExit: 100_100, shortExit: 100_190 },
      { longExit: 100_160, shortExit: 100_130 },
    ];
    prices.forEach((p, i) => script.trip({ pair: i % 2 === 0 ? 'BTC-PERP' : 'ETH-PERP', longEntry: 100_000, shortEntry: 100_200, ...p, ...(i === 2 ? { fundingUsd: 0.04 } : {}) }));
    return script.shutdown();
  }

  it('holds the newest rows, counts every round trip in every figure, and hands every row to its store', () => {
    const log = fiveTrips();
    const all = summarize(log);
    const stored: [number, RoundTrip][] = [];
    const fold = new SummaryFold({ tradeRowsKept: 2, onTrade: (n, row) => stored.push([n, row]) });
    log.forEach((e) => fold.add(e));
    const s = fold.summary();
    expect(s.trades).toEqual(all.trades.slice(-2));
    expect(s.tradesNotListed).toBe(3);
    expect(stored).toEqual(all.trades.map((row, n) => [n, row]));
    // Figures over all five, not the two rows held.
    expect([s.roundTrips, s.winRate, s.avgHoldMs]).toEqual([all.roundTrips, all.winRate, all.avgHoldMs]);
    expect(all.winRate).toBeGreaterThan(0);
    expect(all.winRate).toBeLessThan(1);
    close(s.netPnlUsd, all.netPnlUsd);
    expect(s.byPair).toEqual(all.byPair);
    for (const pair of ['BTC-PERP', 'ETH-PERP']) {
      const rows = all.trades.filter((t) => t.pair === pair);
      expect(s.byPair[pair]!.roundTrips).toBe(rows.length);
      close(s.byPair[pair]!.netPnlUsd, rows.reduce((a, t) => a + t.netPnlUsd, 0));
      close(s.byPair[pair]!.fundingUsd, rows.reduce((a, t) => a + t.fundingUsd, 0));
    }
    expect(all.tradesNotListed).toBe(0);
  });

  it('stores a row again under its number when a late fill changes it, and the figures follow', () => {
    const log = new EventScript().trip({ longEntry: 100_000, shortEntry: 100_200, longExit: 100_150, shortExit: 100_140 }).shutdown();
    const closedAt = log.find((e) => e.type === 'POSITION_CLOSED')!.time;
    // A loss big enough to turn the win into a loss.
    const late = events.fillCredited(closedAt + 20, {
      pair: 'BTC-PERP', venue: 'paradex', clientId: 'x', phase: 'close', filledSize: 0.01, avgPrice: 100_140, feeUsd: 0.2, creditedPnlUsd: -50, creditedFeesUsd: 0.2, reason: 'late close fill',
    });
    const stored = new Map<number, RoundTrip>();
    const fold = new SummaryFold({ tradeRowsKept: 1, onTrade: (n, row) => stored.set(n, row) });
    [...log, late].forEach((e) => fold.add(e));
    const s = fold.summary();
    expect(s.winRate).toBe(0);
    expect(stored.get(0)).toEqual(s.trades[0]);
    close(s.byPair['BTC-PERP']!.grossPnlUsd, s.grossPnlUsd);
    close(s.byPair['BTC-PERP']!.netPnlUsd, s.netPnlUsd);
    expect(s.byPair['BTC-PERP']!.roundTrips).toBe(1);
  });
});

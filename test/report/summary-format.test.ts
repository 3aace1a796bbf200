/**
 * The summary in words (summary-format.ts): the figures a trader reads add up as printed (to the cent), the
 * JSON's figures add up exactly, money and percentiles are formatted as labelled, and the table aligns.
 */
import fc from 'fast-check';
import { percentile, summarize } from '../../src/report/summary';
import { summaryFigures, summaryJson, summaryTable, usd } from '../../src/report/summary-format';
import { EventScript } from '../support/trading-events';

/** A dollar amount as printed by usd(): '-$12.34' → -12.34. */
function dollars(text: string): number {
  const m = /^(-?)\$(\d+\.\d{2})/.exec(text);
  if (m === null) throw new Error(`not a dollar amount: ${text}`);
  return (m[1] === '-' ? -1 : 1) * Number(m[2]);
}

const trips = fc.array(
  fc.record({
    kind: fc.constantFrom('win', 'loss', 'failed', 'open'),
    base: fc.integer({ min: 20_000, max: 150_000 }),
    entryBp: fc.integer({ min: 5, max: 40 }),
    moveBp: fc.integer({ min: -30, max: 30 }),
  }),
  { maxLength: 10 },
);

/** A log of round trips, failed entries and at most one position left open (marked), as the bot writes it. */
function logOf(spec: { kind: string; base: number; entryBp: number; moveBp: number }[]) {
  const script = new EventScript();
  for (const t of spec) {
    const longEntry = t.base;
    const shortEntry = t.base * (1 + t.entryBp / 1e4);
    if (t.kind === 'failed') {
      script.failedEntry({ longEntry, unwindAt: longEntry * (1 + t.moveBp / 1e4) });
      continue;
    }
    const converge = t.kind === 'win' ? 0.9 : -0.5;
    const longExit = longEntry * (1 + (t.moveBp / 1e4) * 0.5 + (t.entryBp / 1e4) * converge * 0.5);
    const shortExit = shortEntry * (1 + (t.moveBp / 1e4) * 0.5 - (t.entryBp / 1e4) * converge * 0.5);
    if (t.kind === 'open') {
      script.trip({ longEntry, shortEntry, marks: [{ longExit, shortExit }] });
      break;
    }
    script.trip({ longEntry, shortEntry, longExit, shortExit });
  }
  return script.shutdown();
}

describe('summary figures as a trader reads them', () => {
  it('add up as printed: net = gross − fees + funding, net if closed now = net + unrealised (to the cent)', () => {
    fc.assert(
      fc.property(trips, (spec) => {
        const s = summarize(logOf(spec));
        const text = new Map(summaryFigures(s).map((f) => [f.key, f.text]));
        const gross = dollars(text.get('grossPnlUsd')!);
        const fees = dollars(text.get('feesUsd')!);
        const funding = dollars(text.get('fundingUsd')!);
        const net = dollars(text.get('netPnlUsd')!);
        // Each printed figure is rounded to the cent: three roundings apart at most.
        expect(Math.abs(net - (gross - fees + funding))).toBeLessThanOrEqual(0.015 + 1e-9);
        const unrealised = dollars(text.get('unrealisedPnlUsd')!);
        const ifClosed = dollars(text.get('netIfClosedNowUsd')!);
        expect(Math.abs(ifClosed - (net + unrealised))).toBeLessThanOrEqual(0.01 + 1e-9);
      }),
      { seed: 5, numRuns: 150 },
    );
  });

  it('add up exactly in the --summary-json figures', () => {
    fc.assert(
      fc.property(trips, (spec) => {
        const j = summaryJson(summarize(logOf(spec)), { mode: 'sim', reportPath: 'r.html', eventsPath: 'e.ndjson' }) as Record<string, number>;
        expect(j.netPnlUsd).toBeCloseTo(j.grossPnlUsd! - j.feesUsd! + j.fundingUsd!, 9);
        expect(j.netIfClosedNowUsd).toBeCloseTo(j.netPnlUsd! + j.unrealisedPnlUsd!, 9);
        expect(j.unrealisedPnlUsd).toBeCloseTo(j.unrealisedGrossPnlUsd! - j.unrealisedExitFeesUsd!, 9);
        expect(j.opened).toBe(j.closed! + j.openAtExit!);
      }),
      { seed: 6, numRuns: 100 },
    );
  });

  it('say what each figure is: realised or unrealised, net or gross, funding unknown when not tracked, nothing open', () => {
    const s = summarize(new EventScript().trip({ longEntry: 100_000, shortEntry: 100_200, longExit: 100_150, shortExit: 100_140 }).shutdown());
    const label = new Map(summaryFigures(s).map((f) => [f.key, f.label]));
    expect(label.get('grossPnlUsd')).toBe('realised gross PnL');
    expect(label.get('netPnlUsd')).toBe('realised net PnL');
    expect(label.get('unrealisedPnlUsd')).toBe('unrealised net PnL (open, marked to the books)');
    const text = new Map(summaryFigures(s).map((f) => [f.key, f.text]));
    // This log's close carries no funding figure (funding not tracked): counted as none, and said so.
    expect(text.get('fundingUsd')).toBe('$0.0000; 1 round trip(s) without a funding figure count none');
    expect(label.get('fundingUsd')).toBe('realised funding (+ received)');
    expect(text.get('unrealisedPnlUsd')).toBe('$0.00 (nothing open)');
  });

  it('lines the table up: one row per figure, every value starting in the same column', () => {
    const s = summarize(new EventScript().trip({ longEntry: 100_000, shortEntry: 100_200, longExit: 100_150, shortExit: 100_140 }).shutdown());
    const figures = summaryFigures(s);
    const rows = summaryTable(s).split('\n');
    expect(rows[0]).toMatch(/^-+$/);
    expect(rows.at(-1)).toBe(rows[0]);
    const body = rows.slice(1, -1);
    expect(body).toHaveLength(figures.length);
    const column = body[0]!.indexOf(figures[0]!.text);
    for (const [i, f] of figures.entries()) {
      expect(body[i]!.startsWith(f.label)).toBe(true);
      expect(body[i]!.indexOf(f.text, f.label.length)).toBe(column);
    }
  });
});

describe('usd', () => {
  it('prints dollars and cents, the sign before the dollar sign', () => {
    expect(usd(1234.567)).toBe('$1234.57');
    expect(usd(-0.5)).toBe('-$0.50');
    expect(usd(0)).toBe('$0.00');
    // A loss below half a cent rounds to zero: no "-$0.00".
    expect(usd(-0.001)).toBe('$0.00');
    expect(usd(-0)).toBe('$0.00');
    expect(usd(-0.005001)).toBe('-$0.01');
  });

  it('says n/a, never $0.00, for a figure that is not known', () => {
    expect(usd(undefined)).toBe('n/a');
    expect(usd(Number.NaN)).toBe('n/a');
    expect(usd(Number.POSITIVE_INFINITY)).toBe('n/a');
  });
});

describe('percentile (nearest rank)', () => {
  it('is undefined for no values and a value of the list otherwise', () => {
    expect(percentile([], 50)).toBeUndefined();
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([5, 1, 3, 2, 4], 99)).toBe(5);
    expect(percentile([5, 1, 3, 2, 4], 0)).toBe(1);
  });

  it('never below the p-th share of the values, nor above the smallest such value', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000 }), { minLength: 1, maxLength: 50 }), fc.integer({ min: 1, max: 100 }), (values, p) => {
        const v = percentile(values, p)!;
        expect(values).toContain(v);
        const atOrBelow = values.filter((x) => x <= v).length;
        expect(atOrBelow / values.length).toBeGreaterThanOrEqual(p / 100);
        const below = values.filter((x) => x < v).length;
        expect(below / values.length).toBeLessThan(p / 100);
      }),
      { seed: 7, numRuns: 200 },
    );
  });
});

/**
 * The report page as text: self-contained, safe against what events carry, and saying what the summary says.
 * How it draws in a browser is report.browser.test.ts.
 */
import { events } from '../../src/domain/events';
import { renderReport, type PageData, type ReportOptions } from '../../src/report/html';
import { RunRecord } from '../../src/report/run-record';
import { summaryFigures, type RunSettings } from '../../src/report/summary';
import { EventScript, ROUND_TRIP_FEE_PCT, TAKER } from '../support/trading-events';

const SETTINGS: RunSettings = {
  mode: 'sim',
  seed: 7,
  closeOnExit: false,
  spreadSampleMs: 500,
  pairs: [
    {
      id: 'btc_vest_paradex',
      pair: 'BTC-PERP',
      dexA: 'vest',
      dexB: 'paradex',
      spreadEntry: 0.06,
      spreadExit: -0.02,
      takerFeeA: TAKER.vest,
      takerFeeB: TAKER.paradex,
      roundTripFeePct: ROUND_TRIP_FEE_PCT,
      positionSize: 0.01,
      entryConfirmTicks: 1,
      sampleMs: 0,
      cooldownMs: 1000,
    },
  ],
  risk: { maxLossUsd: 500, maxNotionalUsd: 10_000, haltCooldownSec: 60 },
};

function render(script: EventScript): { html: string; record: RunRecord } {
  const log = script.shutdown();
  const record = new RunRecord({ pairs: ['BTC-PERP'] });
  log.forEach((e) => record.add(e));
  const opts: ReportOptions = { title: 'vest-paradex-arb sim run', settings: SETTINGS, startedAt: log[0]!.time, endedAt: log.at(-1)!.time };
  return { html: renderReport(record.reportData(), record.summary(), opts), record };
}

function pageData(html: string): PageData {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  expect(m).not.toBeNull();
  return JSON.parse(m![1]!) as PageData;
}

const typical = () =>
  new EventScript()
    .samples(20)
    .trip({
      longEntry: 100_000,
      shortEntry: 100_200,
      longExit: 100_150,
      shortExit: 100_140,
      marks: [{ longExit: 100_050, shortExit: 100_180 }],
      accruedFunding: [0.01, 0.03],
      fundingUsd: 0.0321,
    })
    .samples(5)
    .trip({ longEntry: 100_500, shortEntry: 100_700, marks: [{ longExit: 100_560, shortExit: 100_600 }], accruedFunding: [-0.0045] });

describe('report page', () => {
  it('is one self-contained file: the chart library and its styles inlined, nothing fetched from anywhere', () => {
    const { html } = render(typical());
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('var uPlot=');
    expect(html).toContain('.uplot');
    expect(html).not.toMatch(/<(script|img|iframe)[^>]*\ssrc\s*=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/url\(\s*["']?https?:/i);
  });

  it('names every exit reason in the trade table, the holding limit and the adverse carry included', () => {
    const { html } = render(
      new EventScript()
        .trip({ longEntry: 100_000, shortEntry: 100_200, longExit: 100_150, shortExit: 100_140, reason: 'max_duration' })
        .trip({ longEntry: 100_000, shortEntry: 100_200, longExit: 100_150, shortExit: 100_140, reason: 'adverse_funding' }),
    );
    expect(html).toContain('title="held for risk.max_duration_hours: closed whatever the spread">max hold</span>');
    expect(html).toContain('>carry</span>');
    expect(html).not.toMatch(/>(max_duration|adverse_funding)<\/span>/);
  });

  it('cannot be broken by what an event carries: a reason with markup stays text', () => {
    const hostile = '</script><script>window.pwned=1</script><b>';
    const { html } = render(
      typical().add(events.tradeFailed(Date.UTC(2026, 11, 1, 13), { pair: 'BTC-PERP', reason: hostile })).add(events.feedResync(Date.UTC(2026, 11, 1, 13), { venue: 'vest', symbol: 'BTC-PERP', reason: hostile })),
    );
    expect(html).not.toContain('<script>window.pwned');
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;window.pwned=1');
    expect(() => pageData(html)).not.toThrow();
    // Every <script> element the page opens is one of its own four.
    expect(html.match(/<script\b/g)).toHaveLength(4);
  });

  it('keeps secrets an event carries out of the page, and its own scripts intact', () => {
    const key = `0x${'7'.repeat(64)}`;
    const reason = `signing failed: privateKey=${key}`;
    const { html } = render(typical().add(events.tradeFailed(Date.UTC(2026, 11, 1, 13), { pair: 'BTC-PERP', reason })));
    expect(html).not.toContain('7'.repeat(64));
    expect(html).toContain('signing failed');
    // The inlined chart code reads like `key: a || b` to the text filter; it must reach the page unchanged.
    expect(html).not.toMatch(/key:\s*<redacted>/);
    expect(html).toMatch(/data-key="netPnlUsd"/);
  });

  it('shows the console summary’s figures, worded as the console prints them', () => {
    const { html, record } = render(typical());
    for (const f of summaryFigures(record.summary())) {
      expect(html).toContain(`<tr data-key="${f.key}"><th>${f.label.replace(/&/g, '&amp;')}</th><td>${f.text.replace(/&/g, '&amp;')}</td></tr>`);
    }
  });

  it('hands the charts every decision at its tick, the held periods and the thresholds', () => {
    const { html } = render(typical());
    const page = pageData(html);
    const pair = page.pairs[0]!;
    expect(pair.markers.map((m) => m.kind)).toEqual(['entry', 'exit', 'entry']);
    expect(pair.held).toHaveLength(2);
    expect(pair.held[1]!.to).toBeNull();
    expect(pair.entryGross).toBeCloseTo(0.06 + ROUND_TRIP_FEE_PCT, 9);
    expect(pair.exit).toBe(-0.02);
    expect(page.spanStart).toBeLessThan(page.spanEnd);
  });

  it('has a trade table row for the position open at exit, and totals equal to the summary', () => {
    const { html, record } = render(typical());
    const s = record.summary();
    expect(html).toContain('<tr class="open-at-exit">');
    expect(html).toContain('id="totals-check">Totals = the summary');
    const foot = /<tr class="totals">([\s\S]*?)<\/tr>/.exec(html)![1]!;
    const values = [...foot.matchAll(/data-value="([^"]*)"/g)].map((m) => Number(m[1]));
    expect(values[0]).toBeCloseTo(s.grossPnlUsd, 9);
    expect(values[1]).toBeCloseTo(s.feesUsd, 9);
    expect(values[2]).toBeCloseTo(s.fundingUsd, 9);
    expect(values[3]).toBeCloseTo(s.netPnlUsd, 9);
    expect(values[4]).toBeCloseTo(s.unrealisedPnlUsd!, 9);
  });

  it('says which round trips it cannot list (trades.ndjson unreadable) and still adds up to the summary', () => {
    const log = new EventScript()
      .trip({ longEntry: 100_000, shortEntry: 100_200, longExit: 100_150, shortExit: 100_140, fundingUsd: 0.0321 })
      .trip({ longEntry: 100_000, shortEntry: 100_200, longExit: 99_900, shortExit: 100_250 })
      .shutdown();
    const record = new RunRecord({ pairs: ['BTC-PERP'], tradeRowsKept: 1 });
    log.forEach((e) => record.add(e));
    const s = record.summary();
    expect([s.roundTrips, s.trades.length, s.tradesNotListed]).toEqual([2, 1, 1]);
    const html = renderReport(record.reportData(), s, { title: 't', settings: SETTINGS, startedAt: log[0]!.time, endedAt: log.at(-1)!.time });
    expect(html).toMatch(/id="trades-not-listed"><td class="num">–<\/td><td colspan="8">1 earlier round trip not listed/);
    expect(html).toContain('id="totals-check">Totals = the summary');
  });

  it('says in its header what is left of the loss budget the journals keep, adding up with the summary', () => {
    const script = () => new EventScript().trip({ longEntry: 100_000, shortEntry: 100_200, longExit: 100_150, shortExit: 100_140 });
    const log = script().shutdown();
    const record = new RunRecord({ pairs: ['BTC-PERP'] });
    log.forEach((e) => record.add(e));
    const s = record.summary();
    const lossBudget = { maxLossUsd: 500, atStartUsd: -120, atEndUsd: -120 + s.netPnlUsd, since: Date.UTC(2026, 10, 1) };
    const html = renderReport(record.reportData(), { ...s, lossBudget }, { title: 't', settings: SETTINGS, startedAt: log[0]!.time, endedAt: log.at(-1)!.time });
    const net = s.netPnlUsd;
    const signed = (v: number) => `${v < 0 ? '-' : '+'}$${Math.abs(v).toFixed(2)}`;
    expect(html).toContain(
      `<p id="loss-budget">loss budget: $${(380 + net).toFixed(2)} of $500.00 left (since 2026-11-01T00:00:00.000Z); realised net on record -$120.00 at start ${signed(net)} this run = ${signed(net - 120)}</p>`,
    );
    // Without the journals' figures (a summary folded from events alone) there is no line, rather than a guess.
    expect(render(script()).html).not.toContain('id="loss-budget"');
  });

  it('adds up with funding: the rows of the trade table sum to the summary, and each row is gross − fees + funding', () => {
    const { html, record } = render(
      new EventScript()
        .samples(5)
        .trip({ longEntry: 100_000, shortEntry: 100_200, longExit: 100_150, shortExit: 100_140, accruedFunding: [0.01, 0.03], fundingUsd: 0.0321 })
        .trip({ longEntry: 100_100, shortEntry: 100_300, longExit: 100_200, shortExit: 100_210, fundingUsd: -0.0077 })
        .samples(5)
        .trip({ longEntry: 100_500, shortEntry: 100_700, marks: [{ longExit: 100_560, shortExit: 100_600 }], accruedFunding: [-0.0045] }),
    );
    const s = record.summary();
    // Realised funding: the closes' +0.0321 and −0.0077; the open position's −0.0045 is accrued, not realised.
    expect(s.fundingUsd).toBeCloseTo(0.0321 - 0.0077, 12);
    expect(s.unrealisedFundingUsd).toBeCloseTo(-0.0045, 12);
    expect(s.netPnlUsd).toBeCloseTo(s.grossPnlUsd - s.feesUsd + s.fundingUsd, 12);
    const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)![1]!;
    const rows = [...body.matchAll(/<tr class="(trade|open-at-exit|outside)">([\s\S]*?)<\/tr>/g)].map((m) => ({
      kind: m[1]!,
      // gross, fees, funding, net, unrealised (the last is empty for a closed round trip)
      cells: [...m[2]!.matchAll(/data-value="([^"]*)"/g)].map((v) => (v[1] === '' ? 0 : Number(v[1]))),
    }));
    expect(rows.filter((r) => r.kind === 'trade')).toHaveLength(2);
    const sum = [0, 0, 0, 0, 0];
    for (const { kind, cells } of rows) {
      expect(cells.length).toBeGreaterThanOrEqual(4);
      const [gross, fees, funding, net] = cells as [number, number, number, number];
      expect(net).toBeCloseTo(gross - fees + funding, 12);
      if (kind === 'trade') expect(funding).not.toBe(0);
      cells.forEach((v, i) => (sum[i] = sum[i]! + v));
    }
    expect(sum[0]).toBeCloseTo(s.grossPnlUsd, 12);
    expect(sum[1]).toBeCloseTo(s.feesUsd, 12);
    expect(sum[2]).toBeCloseTo(s.fundingUsd, 12);
    expect(sum[3]).toBeCloseTo(s.netPnlUsd, 12);
    // The open position's unrealised net includes the funding it accrued.
    const open = s.openPositions[0]!;
    expect(sum[4]).toBeCloseTo(open.mark!.netUsd + open.accruedFundingUsd!, 12);
    expect(sum[4]).toBeCloseTo(s.unrealisedPnlUsd!, 12);
    expect(s.netIfClosedNowUsd).toBeCloseTo(s.netPnlUsd + s.unrealisedPnlUsd!, 12);
    // The funding line of the equity chart ends at realised + accrued.
    const eq = pageData(html).equity.funding as unknown as { v: (number | null)[] };
    expect(eq.v.filter((v) => v !== null).at(-1)).toBeCloseTo(s.fundingUsd + s.unrealisedFundingUsd!, 12);
  });

  it('states the USDC/USD rate the venues were compared with, and that it was assumed', () => {
    const log = typical().shutdown();
    const record = new RunRecord({ pairs: ['BTC-PERP'] });
    log.forEach((e) => record.add(e));
    const settings: RunSettings = { ...SETTINGS, usdcUsd: { rate: 0.9998, source: 'config' } };
    const html = renderReport(record.reportData(), record.summary(), { title: 't', settings, startedAt: log[0]!.time, endedAt: log.at(-1)!.time });
    expect(html).toContain('<th>quote units</th><td>USDC/USD taken as 0.9998 (assumed; config market.usdc_usd); vest quotes USDC, paradex quotes USD</td>');
    // Settings without the rate (an older caller) show no such row rather than a guess.
    expect(render(typical()).html).not.toContain('quote units');
  });

  it('says plainly when there is nothing to chart', () => {
    const { html } = render(new EventScript());
    expect(html).toContain('No spread samples for BTC-PERP.');
    expect(html).toContain('No trades.');
  });
});

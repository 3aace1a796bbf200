import { defaultConfig } from '../../../src/config';
import { renderReport } from '../../../src/report/html';
import { RunRecord } from '../../../src/report/run-record';
import { gridPoints, parseSweepSpec, SweepSpecError, sweepCsv, sweepHtml, sweepSection, sweepTable, withValue, type SweepRow } from '../../../streams/cli/sweep';

describe('sweep grid', () => {
  it('parses the issue spelling into axes with step-rounded values', () => {
    const axes = parseSweepSpec('bots[0].spread_entry=0.04..0.12:0.01,bots[0].spread_exit=-0.04..0:0.01');
    expect(axes[0]).toEqual({ path: 'bots[0].spread_entry', values: [0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1, 0.11, 0.12] });
    expect(axes[1]!.values).toEqual([-0.04, -0.03, -0.02, -0.01, 0]);
    expect(gridPoints(axes)).toHaveLength(45);
    expect(gridPoints(axes)[0]).toEqual([0.04, -0.04]);
    expect(gridPoints(axes)[1]).toEqual([0.04, -0.03]);
  });

  it('refuses a malformed axis naming it', () => {
    expect(() => parseSweepSpec('bots[0].spread_entry=0.04-0.12')).toThrow(SweepSpecError);
    expect(() => parseSweepSpec('bots[0].spread_entry=0.04..0.12:0')).toThrow(/step must be a number > 0/);
    expect(() => parseSweepSpec('bots[0].spread_entry=0.12..0.04:0.01')).toThrow(/below/);
  });

  it('sets a value at a YAML path without touching the original', () => {
    const raw = { bots: [{ pair: 'BTC-PERP', spread_entry: 0.1 }] };
    expect(withValue(raw, 'bots[0].spread_entry', 0.05)).toEqual({ bots: [{ pair: 'BTC-PERP', spread_entry: 0.05 }] });
    expect(raw.bots[0]!.spread_entry).toBe(0.1);
  });

  it('sorts the CSV and the table by net PnL, best first, and draws the heatmap over the two axes', () => {
    const axes = parseSweepSpec('bots[0].spread_entry=0.05..0.06:0.01,bots[0].spread_exit=-0.01..0:0.01');
    const fig = (net: number): Omit<SweepRow, 'values'> => ({ roundTrips: 2, winRate: 0.5, netPnlUsd: net, grossPnlUsd: net + 1, feesUsd: 1, fundingUsd: 0, maxDrawdownUsd: 0.3, openAtExit: 0 });
    const rows: SweepRow[] = [
      { values: [0.05, -0.01], ...fig(-2) },
      { values: [0.05, 0], ...fig(3) },
      { values: [0.06, -0.01], skipped: 'spread_exit must be < spread_entry' },
      { values: [0.06, 0], ...fig(1) },
    ];
    const csv = sweepCsv(axes, rows).trim().split('\n');
    expect(csv[0]).toBe('bots[0].spread_entry,bots[0].spread_exit,round_trips,win_rate,net_pnl_usd,gross_pnl_usd,fees_usd,funding_usd,max_drawdown_usd,open_at_exit,skipped');
    expect(csv.slice(1).map((l) => l.split(',').slice(0, 2).join(' '))).toEqual(['0.05 0', '0.06 0', '0.05 -0.01', '0.06 -0.01']);
    expect(sweepTable(axes, rows).split('\n')[1]).toMatch(/^\s+0\.05\s+0\s+2\s+50%\s+3\.0000/);
    const html = sweepHtml(axes, rows, { dataDir: '/d', fromMs: 0, toMs: 60_000, latencyMs: 5 });
    expect(html).toContain('Net PnL heatmap');
    expect(html).toContain('rgba(0,150,60,1.00)');
    expect(html).toContain('title="not run"');
  });

  it('puts the sorted table and the heatmap into a report panel, naming the best point', () => {
    const axes = parseSweepSpec('bots[0].spread_entry=0.05..0.06:0.01,bots[0].spread_exit=-0.01..0:0.01');
    const fig = (net: number, trips: number): Omit<SweepRow, 'values'> => ({ roundTrips: trips, winRate: 0.5, netPnlUsd: net, grossPnlUsd: net + 1, feesUsd: 1.25, fundingUsd: -0.5, maxDrawdownUsd: 0.3, openAtExit: 0 });
    const rows: SweepRow[] = [
      { values: [0.05, -0.01], ...fig(-2, 7) },
      { values: [0.05, 0], ...fig(3, 4) },
      { values: [0.06, -0.01], skipped: 'spread_exit must be < spread_entry' },
      { values: [0.06, 0], ...fig(1, 2) },
    ];
    const html = sweepSection(axes, rows, { dataDir: '/d', fromMs: 0, toMs: 60_000, latencyMs: 5 }, rows[1]);
    expect(html).toMatch(/^<section class="panel" id="sweep">/);
    expect(html).toContain('4 points, 3 replayed');
    expect(html).toContain('best point: bots[0].spread_entry = 0.05, bots[0].spread_exit = 0.');
    const table = /<table class="grid small" id="sweep-table">(.*?)<\/table>/s.exec(html)![1]!;
    const cellsOf = (tr: string) => [...tr.matchAll(/<t[dh]>(.*?)<\/t[dh]>/g)].map((m) => m[1]);
    const trs = [...table.matchAll(/<tr>(.*?)<\/tr>/g)].map((m) => cellsOf(m[1]!));
    expect(trs[0]).toEqual(['bots[0].spread_entry', 'bots[0].spread_exit', 'round_trips', 'win_rate', 'net_pnl_usd', 'gross_pnl_usd', 'fees_usd', 'funding_usd', 'max_drawdown_usd', 'open_at_exit', 'skipped']);
    // Best net PnL first; the skipped point last, saying why.
    expect(trs.slice(1).map((r) => [r[0], r[1], r[2], r[4]])).toEqual([
      ['0.05', '0', '4', '3.0000'],
      ['0.06', '0', '2', '1.0000'],
      ['0.05', '-0.01', '7', '-2.0000'],
      ['0.06', '-0.01', '', ''],
    ]);
    expect(trs[1]!.slice(3)).toEqual(['0.500', '3.0000', '4.0000', '1.2500', '-0.5000', '0.3000', '0', '']);
    expect(trs[4]![10]).toBe('spread_exit must be &#60; spread_entry');
    // The heatmap: rows spread_exit, columns spread_entry, each cell its net PnL.
    const heat = /<div id="sweep-heatmap">(.*?)<\/div>/s.exec(html)![1]!;
    expect([...heat.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1])).toEqual(['-2.00', '–', '3.00', '1.00']);
  });

  it('places extra panels in the run report after the trades and before the events', () => {
    const config = defaultConfig();
    const record = new RunRecord({ pairs: config.bots.map((b) => b.pair), recentLimit: 10, buckets: { widthMs: 500 } });
    const settings = { mode: 'replay' as const, closeOnExit: true, spreadSampleMs: 500, pairs: [], risk: { maxNotionalUsd: 1000, haltCooldownSec: 60 } };
    const page = renderReport(record.reportData(), record.summary(0), { title: 't', settings, startedAt: 0, endedAt: 1000, extraSections: '<section id="sweep">x</section>' });
    const at = (needle: string) => page.indexOf(needle);
    expect(at('<section id="sweep">x</section>')).toBeGreaterThan(at('<h2>Trades'));
    expect(at('<section id="sweep">x</section>')).toBeLessThan(at('<h2>Events'));
    expect(renderReport(record.reportData(), record.summary(0), { title: 't', settings, startedAt: 0, endedAt: 1000 })).not.toContain('id="sweep"');
  });
});

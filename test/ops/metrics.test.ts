/**
 * GET /metrics's text, read by a parser that this team did not write (parse-prometheus-text-format, a port of
 * Prometheus's own text parser) and checked line by line against the exposition grammar (format 0.0.4): every
 * family declared once with HELP and TYPE, every sample well formed, histograms cumulative. Then the series a
 * Prometheus user expects, per pair and venue, with the values the run's events and feed counters imply.
 *
 * Two pairs: BTC-PERP closes a round trip; ETH-PERP has a failed entry (one leg unwound), then a position still
 * open, marked, and is halted. The money figures are the run summary's (RunRecord), as the API serves them.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { events, type TradingEvent } from '../../src/domain/events';
import type { VenueId } from '../../src/domain/market';
import { OpsMetrics } from '../../src/ops/metrics';
import { OpsState } from '../../src/ops/state';
import { RunRecord } from '../../src/report/run-record';
import type { FeedStats } from '../../src/venues/venue';
import { EventScript } from '../support/trading-events';

type Sample = { name: string; labels: Record<string, string>; value: number };

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*';
/** A float as Go's strconv.ParseFloat reads it (the format's rule): NaN and Inf in any case (prom-client writes "Nan"). */
const VALUE = '(?:[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[nN][aA][nN]|[+-]?[iI][nN][fF](?:[iI][nN][iI][tT][yY])?)';
const SAMPLE_LINE = new RegExp(`^(${NAME})(?:\\{(${LABEL}="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"(?:,${LABEL}="(?:[^"\\\\\\n]|\\\\[\\\\"n])*")*)?\\})? (${VALUE})$`);
const HELP_LINE = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE_LINE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);

function goFloat(text: string): number {
  const lower = text.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (/^[+-]?inf(inity)?$/.test(lower)) return lower.startsWith('-') ? -Infinity : Infinity;
  return Number(text);
}

/**
 * The exposition grammar, strictly: a HELP then a TYPE line opening each family, declared once; its samples right
 * after (a histogram's as _bucket/_sum/_count); no series twice; the text ends with a newline.
 */
function checkExposition(text: string): Sample[] {
  expect(text.endsWith('\n')).toBe(true);
  const declared = new Set<string>();
  const seen = new Set<string>();
  const samples: Sample[] = [];
  let family: { name: string; type: string } | undefined;
  let help: string | undefined;
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue; // blank lines are allowed between families
    const h = HELP_LINE.exec(line);
    if (h) {
      help = h[1];
      continue;
    }
    const t = TYPE_LINE.exec(line);
    if (t) {
      if (t[1] !== help) throw new Error(`TYPE without its HELP: ${line}`);
      if (declared.has(t[1]!)) throw new Error(`family declared twice: ${t[1]}`);
      declared.add(t[1]!);
      family = { name: t[1]!, type: t[2]! };
      continue;
    }
    const s = SAMPLE_LINE.exec(line);
    if (!s) throw new Error(`not a line of the Prometheus text format: ${JSON.stringify(line)}`);
    const name = s[1]!;
    const suffixes = family?.type === 'histogram' ? ['_bucket', '_sum', '_count'] : family?.type === 'summary' ? ['', '_sum', '_count'] : [''];
    if (!family || !suffixes.some((x) => name === family!.name + x)) throw new Error(`sample outside its family: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (s[2] ?? '').matchAll(new RegExp(`(${LABEL})="((?:[^"\\\\]|\\\\.)*)"`, 'g'))) {
      if (l[1]! in labels) throw new Error(`label twice: ${line}`);
      labels[l[1]!] = l[2]!;
    }
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`series twice: ${line}`);
    seen.add(key);
    samples.push({ name, labels, value: goFloat(s[3]!) });
  }
  return samples;
}

const FEEDS: { venue: VenueId; symbol: string; stats: FeedStats }[] = [
  { venue: 'vest', symbol: 'BTC-PERP', stats: { frames: 1200, bytes: 90_000, decodeErrors: 2, resyncs: 0, reconnects: 1, lastUpdateAt: 0, stale: false, lagMs: 40 } },
  { venue: 'paradex', symbol: 'BTC-USD-PERP', stats: { frames: 800, bytes: 70_000, decodeErrors: 0, resyncs: 3, reconnects: 0, lastUpdateAt: 0, stale: false, lagMs: 120 } },
  { venue: 'vest', symbol: 'ETH-PERP', stats: { frames: 900, bytes: 60_000, decodeErrors: 0, resyncs: 0, reconnects: 2, lastUpdateAt: 0, stale: false } },
  { venue: 'paradex', symbol: 'ETH-USD-PERP', stats: { frames: 700, bytes: 50_000, decodeErrors: 5, resyncs: 1, reconnects: 0, lastUpdateAt: 0, stale: false, lagMs: 2500 } },
];

describe('GET /metrics as Prometheus text', () => {
  const script = new EventScript();
  const net = (pair: string, i: number) =>
    events.spreadMonitoring(script.time + 1, {
      pair,
      entryAOverB: 0.1 + i / 100,
      entryBOverA: -0.2,
      netEntryAOverB: 0.02 + i / 100,
      netEntryBOverA: -0.3,
      exitAOverB: -0.2,
      exitBOverA: 0.1,
      bookAgeAMs: 15 + i,
      bookAgeBMs: 240,
    });
  script.add(net('BTC-PERP', 0)).add(net('ETH-PERP', 0));
  script.trip({ pair: 'BTC-PERP', longEntry: 95_000, shortEntry: 95_300, longExit: 95_100, shortExit: 95_080 });
  script.failedEntry({ pair: 'ETH-PERP', longEntry: 3_000, unwindAt: 2_998 });
  script.trip({ pair: 'ETH-PERP', direction: 'BOverA', size: 0.5, longEntry: 3_000, shortEntry: 3_012, marks: [{ longExit: 3_004, shortExit: 3_006 }] });
  script.add(events.tradingHalted(script.time + 1, { pair: 'ETH-PERP', reason: 'max loss reached' }));
  script.add(events.feedStale(script.time + 2, { venue: 'paradex', symbol: 'ETH-USD-PERP', ageMs: 2500, reason: 'lagging 2500 ms behind the venue clock', lagMs: 2500 }));
  script.add(net('BTC-PERP', 1));
  const log: TradingEvent[] = script.log;
  const now = script.time + 1000;

  const record = new RunRecord({ pairs: ['BTC-PERP', 'ETH-PERP'] });
  const state = new OpsState(
    {
      mode: 'sim',
      pairs: [
        { pair: 'BTC-PERP', dexA: 'vest', dexB: 'paradex', spreadEntry: 0.06, spreadExit: -0.02 },
        { pair: 'ETH-PERP', dexA: 'vest', dexB: 'paradex', spreadEntry: 0.08, spreadExit: -0.01 },
      ],
    },
    log[0]!.time,
  );
  // The loss budget as a run reads it from its journals: $12.50 lost by earlier runs, this run's net on top.
  const budgetSince = log[0]!.time - 86_400_000;
  const withBudget = () => {
    const s = record.summary(1);
    return { ...s, lossBudget: { maxLossUsd: 100, atStartUsd: -12.5, atEndUsd: -12.5 + s.netPnlUsd, since: budgetSince } };
  };
  const metrics = new OpsMetrics({ state, summary: withBudget, now: () => now });
  for (const f of FEEDS) state.trackFeed({ venue: f.venue, symbol: f.symbol, stats: { ...f.stats, lastUpdateAt: now - 300 } });
  for (const e of log) {
    record.add(e);
    state.observe(e);
    metrics.observe(e);
  }

  let text: string;
  let samples: Sample[];
  const series = (name: string, labels: Record<string, string> = {}) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  const value = (name: string, labels: Record<string, string> = {}) => {
    const found = series(name, labels);
    if (found.length !== 1) throw new Error(`${name} ${JSON.stringify(labels)}: ${found.length} series`);
    return found[0]!.value;
  };
  const count = (pred: (e: TradingEvent) => boolean) => log.filter(pred).length;

  beforeAll(async () => {
    text = await metrics.text();
    samples = checkExposition(text);
  });

  it('parses with an independent Prometheus text parser, each family typed and described', () => {
    const families = parsePrometheusTextFormat(text);
    const names = families.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    for (const f of families) {
      expect({ name: f.name, help: f.help.length > 0, type: f.type }).toEqual({ name: f.name, help: true, type: expect.stringMatching(/^(COUNTER|GAUGE|HISTOGRAM|SUMMARY)$/) });
    }
    // Both readings agree on every plain sample.
    const plain = families.filter((f) => f.type === 'GAUGE' || f.type === 'COUNTER').flatMap((f) => f.metrics.map((m) => ({ name: f.name, labels: m.labels ?? {}, value: Number(m.value) })));
    expect(plain.length).toBeGreaterThan(50);
    for (const p of plain) expect(value(p.name, p.labels)).toBe(p.value);
  });

  it('has the spreads per pair and direction, and the thresholds they are compared with', () => {
    expect(value('arb_spread_net_entry_pct', { pair: 'BTC-PERP', direction: 'AOverB' })).toBeCloseTo(0.03, 12);
    expect(value('arb_spread_net_entry_pct', { pair: 'BTC-PERP', direction: 'BOverA' })).toBe(-0.3);
    expect(value('arb_spread_entry_pct', { pair: 'BTC-PERP', direction: 'AOverB' })).toBeCloseTo(0.11, 12);
    expect(value('arb_spread_exit_pct', { pair: 'BTC-PERP', direction: 'BOverA' })).toBe(0.1);
    expect(series('arb_spread_net_entry_pct', { pair: 'ETH-PERP' })).toHaveLength(0); // ETH's last sample had no net figures: absent, never 0
    expect(value('arb_spread_threshold_pct', { pair: 'ETH-PERP', kind: 'entry' })).toBe(0.08);
    expect(value('arb_spread_threshold_pct', { pair: 'ETH-PERP', kind: 'exit' })).toBe(-0.01);
  });

  it('has feed health per venue and symbol: book age, lag, frames, decode errors, resyncs, reconnects, staleness', () => {
    expect(value('arb_book_age_seconds', { pair: 'BTC-PERP', venue: 'vest' })).toBeCloseTo(0.016, 12);
    expect(value('arb_book_age_seconds', { pair: 'BTC-PERP', venue: 'paradex' })).toBeCloseTo(0.24, 12);
    for (const f of FEEDS) {
      const at = { venue: f.venue, symbol: f.symbol };
      expect(value('arb_feed_frames_total', at)).toBe(f.stats.frames);
      expect(value('arb_feed_bytes_total', at)).toBe(f.stats.bytes);
      expect(value('arb_feed_decode_errors_total', at)).toBe(f.stats.decodeErrors);
      expect(value('arb_feed_resyncs_total', at)).toBe(f.stats.resyncs);
      expect(value('arb_feed_reconnects_total', at)).toBe(f.stats.reconnects);
      expect(value('arb_feed_last_update_age_seconds', at)).toBeCloseTo(0.3, 12);
      expect(series('arb_feed_lag_seconds', at)).toHaveLength(f.stats.lagMs === undefined ? 0 : 1);
    }
    expect(value('arb_feed_lag_seconds', { venue: 'paradex', symbol: 'ETH-USD-PERP' })).toBe(2.5);
    expect(value('arb_feed_stale', { venue: 'paradex', symbol: 'ETH-USD-PERP' })).toBe(1);
    expect(value('arb_feed_stale', { venue: 'vest', symbol: 'BTC-PERP' })).toBe(0);
  });

  it('counts orders per pair, venue and outcome, and fills the latency histograms', () => {
    for (const pair of ['BTC-PERP', 'ETH-PERP']) {
      for (const venue of ['vest', 'paradex'] as const) {
        for (const [outcome, type] of [['placed', 'ORDER_PLACED'], ['filled', 'ORDER_FILLED'], ['failed', 'ORDER_FAILED']] as const) {
          const expected = count((e) => e.type === type && e.pair === pair && e.venue === venue);
          expect({ pair, venue, outcome, n: series('arb_orders_total', { pair, venue, outcome })[0]?.value ?? 0 }).toEqual({ pair, venue, outcome, n: expected });
        }
      }
    }
    expect(value('arb_orders_total', { pair: 'ETH-PERP', venue: 'paradex', outcome: 'failed' })).toBe(1);
    for (const venue of ['vest', 'paradex'] as const) {
      const fills = count((e) => e.type === 'ORDER_FILLED' && e.venue === venue);
      expect(value('arb_order_fill_latency_seconds_count', { venue })).toBe(fills);
      expect(value('arb_order_fill_latency_seconds_bucket', { venue, le: '+Inf' })).toBe(fills);
      expect(value('arb_order_fill_latency_seconds_sum', { venue })).toBeCloseTo(fills * 0.01, 9);
      // Cumulative buckets never decrease.
      const buckets = series('arb_order_fill_latency_seconds_bucket', { venue }).map((s) => s.value);
      buckets.forEach((b, i) => expect(b).toBeGreaterThanOrEqual(i === 0 ? 0 : buckets[i - 1]!));
    }
    expect(value('arb_signal_to_fill_seconds_count', { pair: 'BTC-PERP' })).toBe(1);
    expect(value('arb_signal_to_fill_seconds_count', { pair: 'ETH-PERP' })).toBe(1);
  });

  it('has positions, realised and unrealised PnL, fees and funding that add up to the run summary', () => {
    const summary = record.summary(1);
    expect(value('arb_position_size', { pair: 'ETH-PERP', direction: 'BOverA' })).toBe(0.5);
    expect(value('arb_position_size', { pair: 'ETH-PERP', direction: 'AOverB' })).toBe(0);
    expect(value('arb_position_size', { pair: 'BTC-PERP', direction: 'AOverB' })).toBe(0);
    const btc = summary.trades.filter((t) => t.pair === 'BTC-PERP');
    expect(btc).toHaveLength(1);
    expect(value('arb_realised_gross_pnl_usd', { pair: 'BTC-PERP' })).toBeCloseTo(btc[0]!.grossPnlUsd, 9);
    expect(value('arb_trade_fees_usd', { pair: 'BTC-PERP' })).toBeCloseTo(btc[0]!.feesUsd, 9);
    expect(value('arb_realised_net_pnl_usd', { pair: 'BTC-PERP' })).toBeCloseTo(btc[0]!.netPnlUsd, 9);
    expect(value('arb_round_trips', { pair: 'BTC-PERP' })).toBe(1);
    expect(value('arb_round_trips', { pair: 'ETH-PERP' })).toBe(0);
    // ETH's open position, marked: 0.5 × (3004 − 3000) + 0.5 × (3012 − 3006) gross, less both legs' exit fees.
    const gross = 0.5 * 4 + 0.5 * 6;
    expect(value('arb_unrealised_pnl_usd', { pair: 'ETH-PERP' })).toBeCloseTo(gross - (0.5 * 3004 * 0.00045 + 0.5 * 3006 * 0.0001), 9);
    const run = (kind: string) => value('arb_run_pnl_usd', { kind });
    expect(run('realised_gross')).toBeCloseTo(summary.grossPnlUsd, 9);
    expect(run('fees')).toBeCloseTo(summary.feesUsd, 9);
    expect(run('funding')).toBe(summary.fundingUsd);
    expect(run('realised_net')).toBeCloseTo(run('realised_gross') - run('fees') + run('funding'), 9);
    expect(run('unrealised_net')).toBeCloseTo(value('arb_unrealised_pnl_usd', { pair: 'ETH-PERP' }), 9);
    // The run's fees include the failed entry's (and its unwind's), which no round trip carries.
    expect(run('fees')).toBeGreaterThan(value('arb_trade_fees_usd', { pair: 'BTC-PERP' }) + value('arb_trade_fees_usd', { pair: 'ETH-PERP' }));
  });

  it('has the loss budget the journals keep: spent (earlier runs plus this run), left of the limit, and the limit', () => {
    const thisRun = record.summary(1).netPnlUsd;
    expect(thisRun).not.toBe(0); // the BTC round trip's net: the budget moved this run
    expect(value('arb_loss_budget_spent_usd')).toBeCloseTo(12.5 - thisRun, 9);
    expect(value('arb_loss_budget_left_usd')).toBeCloseTo(100 - 12.5 + thisRun, 9);
    expect(value('arb_loss_budget_limit_usd')).toBe(100);
    // Left + spent = the limit while it is not spent; the API's status says the same figures.
    expect(value('arb_loss_budget_left_usd') + value('arb_loss_budget_spent_usd')).toBeCloseTo(100, 9);
    const status = state.status(now, withBudget()).lossBudget!;
    expect(status).toEqual({ limitUsd: 100, atStartUsd: -12.5, thisRunUsd: expect.any(Number), netUsd: -12.5 + thisRun, leftUsd: value('arb_loss_budget_left_usd'), since: budgetSince, spent: false, halted: true });
    // ETH-PERP's halt above is the loss limit's ('max loss reached'): the status says the limit halted this run.
    expect(state.pairs.get('ETH-PERP')!.lossHalt).toBe('max loss reached');
    expect(status.atStartUsd + status.thisRunUsd).toBeCloseTo(status.netUsd, 9);
    expect(status.thisRunUsd).toBeCloseTo(thisRun, 9);
  });

  it('has the halt state, phases, failures and events per type', () => {
    expect(value('arb_halted', { pair: 'ETH-PERP' })).toBe(1);
    expect(value('arb_halted', { pair: 'BTC-PERP' })).toBe(0);
    expect(value('arb_pair_phase', { pair: 'ETH-PERP', phase: 'in_position' })).toBe(1);
    expect(value('arb_pair_phase', { pair: 'BTC-PERP', phase: 'watching' })).toBe(1);
    expect(value('arb_legs_unwound', { pair: 'ETH-PERP' })).toBe(1);
    expect(value('arb_close_failures', { pair: 'BTC-PERP' })).toBe(0);
    expect(value('arb_events_total', { type: 'POSITION_OPENED' })).toBe(2);
    expect(value('arb_run_info', { mode: 'sim' })).toBe(1);
  });

  it('has the process metrics: CPU, memory, heap, handles and event-loop lag', () => {
    for (const name of [
      'arb_process_process_cpu_seconds_total',
      'arb_process_process_resident_memory_bytes',
      'arb_process_nodejs_heap_size_used_bytes',
      'arb_process_nodejs_active_handles_total',
      'arb_process_nodejs_eventloop_lag_seconds',
      'arb_process_process_start_time_seconds',
    ]) {
      expect({ name, n: series(name).length > 0 }).toEqual({ name, n: true });
    }
    expect(value('arb_process_nodejs_heap_size_used_bytes')).toBeGreaterThan(1e6);
  });

  it('rejects what is not the format (the checks can fail)', () => {
    expect(() => checkExposition('# HELP a x\n# TYPE a gauge\na{b="1"} one\n')).toThrow(/not a line/);
    expect(() => checkExposition('# HELP a x\n# TYPE a gauge\nb 1\n')).toThrow(/outside its family/);
    expect(() => checkExposition('# HELP a x\n# TYPE a gauge\na 1\na 2\n')).toThrow(/series twice/);
    expect(() => parsePrometheusTextFormat('a{b=1} 1\n')).toThrow(/invalid line/i);
  });
});

describe('per-pair realised figures of a long run (the summary holds only its newest rows)', () => {
  it('counts every round trip in /metrics and /api/status, not only the rows held in memory', async () => {
    const script = new EventScript();
    script.trip({ pair: 'BTC-PERP', longEntry: 95_000, shortEntry: 95_300, longExit: 95_100, shortExit: 95_080 });
    script.trip({ pair: 'BTC-PERP', longEntry: 95_000, shortEntry: 95_300, longExit: 94_900, shortExit: 95_200 });
    script.trip({ pair: 'BTC-PERP', longEntry: 95_000, shortEntry: 95_300, longExit: 95_050, shortExit: 95_040 });
    const all = new RunRecord({ pairs: ['BTC-PERP'] });
    const newest = new RunRecord({ pairs: ['BTC-PERP'], tradeRowsKept: 1 });
    const state = new OpsState({ mode: 'sim', pairs: [{ pair: 'BTC-PERP', dexA: 'vest', dexB: 'paradex', spreadEntry: 0.06, spreadExit: -0.02 }] }, script.log[0]!.time);
    const metrics = new OpsMetrics({ state, summary: () => newest.summary(0), now: () => script.time });
    for (const e of script.log) {
      all.add(e);
      newest.add(e);
      state.observe(e);
      metrics.observe(e);
    }
    const rows = all.summary(0).trades;
    expect(rows).toHaveLength(3);
    expect(newest.summary(0).trades).toHaveLength(1);
    const samples = checkExposition(await metrics.text());
    const read = (name: string) => samples.find((s) => s.name === name && s.labels.pair === 'BTC-PERP')!.value;
    expect(read('arb_round_trips')).toBe(3);
    expect(read('arb_realised_gross_pnl_usd')).toBeCloseTo(rows.reduce((a, t) => a + t.grossPnlUsd, 0), 9);
    expect(read('arb_trade_fees_usd')).toBeCloseTo(rows.reduce((a, t) => a + t.feesUsd, 0), 9);
    expect(read('arb_realised_net_pnl_usd')).toBeCloseTo(rows.reduce((a, t) => a + t.netPnlUsd, 0), 9);
    const realised = state.status(script.time, newest.summary(0)).pairs[0]!.realised;
    expect(realised.roundTrips).toBe(3);
    expect(realised.netPnlUsd).toBeCloseTo(rows.reduce((a, t) => a + t.netPnlUsd, 0), 9);
  });
});

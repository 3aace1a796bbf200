/**
 * Prometheus metrics of a running bot (prom-client: the de-facto Node client, exposition format and
 * process metrics done right). One registry per run, never the global one, so two runs in one process
 * (tests, embedding) do not mix. Event-driven series (orders, latencies, events) are updated as events
 * arrive; the rest is read from the ops state and the run's summary when Prometheus scrapes.
 *
 * Units follow Prometheus conventions: seconds for durations, `_pct` for percent, `_usd` for money.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TradingEvent } from '../domain/events';
import type { PairRealised, RunSummary } from '../report/summary';
import { lossBudgetView } from '../report/loss-budget';
import type { OpsState } from './state';

export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

export interface OpsMetricsOptions {
  readonly state: OpsState;
  /** The run's money figures now (report/summary.ts); undefined before the run has its record. */
  readonly summary: () => RunSummary | undefined;
  readonly now: () => number;
  /** Process metrics (CPU, heap, handles, event loop lag). Default true. */
  readonly processMetrics?: boolean;
}

const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class OpsMetrics {
  readonly registry = new Registry();
  private readonly orders: Counter<'pair' | 'venue' | 'outcome'>;
  private readonly fillLatency: Histogram<'venue'>;
  private readonly signalToFill: Histogram<'pair'>;
  private readonly eventsTotal: Counter<'type'>;

  constructor(private readonly o: OpsMetricsOptions) {
    const registers = [this.registry];
    if (o.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'arb_process_' });
    this.orders = new Counter({ name: 'arb_orders_total', help: 'Orders by outcome: placed, filled, failed', labelNames: ['pair', 'venue', 'outcome'], registers });
    this.fillLatency = new Histogram({ name: 'arb_order_fill_latency_seconds', help: 'Order sent to fill confirmed, per venue', labelNames: ['venue'], buckets: LATENCY_BUCKETS, registers });
    this.signalToFill = new Histogram({ name: 'arb_signal_to_fill_seconds', help: 'Entry signal detected to both legs filled, per pair', labelNames: ['pair'], buckets: LATENCY_BUCKETS, registers });
    this.eventsTotal = new Counter({ name: 'arb_events_total', help: 'Trading events emitted, per type', labelNames: ['type'], registers });
    this.pulledSeries(registers);
  }

  observe(e: TradingEvent): void {
    this.eventsTotal.inc({ type: e.type });
    switch (e.type) {
      case 'ORDER_PLACED':
        this.orders.inc({ pair: e.pair, venue: e.venue, outcome: 'placed' });
        break;
      case 'ORDER_FILLED':
        this.orders.inc({ pair: e.pair, venue: e.venue, outcome: 'filled' });
        if (Number.isFinite(e.latencyMs)) this.fillLatency.observe({ venue: e.venue }, e.latencyMs / 1000);
        break;
      case 'ORDER_FAILED':
        this.orders.inc({ pair: e.pair, venue: e.venue, outcome: 'failed' });
        break;
      case 'TRADE_ENTRY':
        if (Number.isFinite(e.latencyMs)) this.signalToFill.observe({ pair: e.pair }, e.latencyMs / 1000);
        break;
      default:
        break;
    }
  }

  /** The exposition text for GET /metrics. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Series read at scrape time from the state, the feeds' counters and the summary. */
  private pulledSeries(registers: Registry[]): void {
    const s = scrapeSeries(registers);
    const ctx = { state: this.o.state, now: () => this.o.now(), summary: () => this.o.summary() };
    spreadSeries(s, ctx);
    feedSeries(s, ctx);
    moneySeries(s, ctx);
    stateSeries(s, ctx);
  }
}

interface SeriesContext {
  readonly state: OpsState;
  now(): number;
  summary(): RunSummary | undefined;
}

type Series = ReturnType<typeof scrapeSeries>;

/** Gauges and counters whose values are filled in at each scrape. */
function scrapeSeries(registers: Registry[]) {
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], fill: (g: Gauge<L>) => void) =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        fill(this);
      },
    });
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[], fill: (set: (labels: Record<L, string>, v: number) => void) => void) =>
    new Counter<L>({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        fill((labels, v) => this.inc(labels as never, v));
      },
    });
  const setIf = <L extends string>(g: Gauge<L>, labels: Record<L, string>, v: number | undefined) => {
    if (v !== undefined && Number.isFinite(v)) g.set(labels as never, v);
  };

  return { gauge, counter, setIf };
}

function spreadSeries({ gauge, setIf }: Series, { state }: SeriesContext): void {
    gauge('arb_spread_net_entry_pct', 'Entry spread net of the round trip taker fees, percent (compared with the entry threshold)', ['pair', 'direction'], (g) => {
      for (const p of state.pairs.values()) {
        setIf(g, { pair: p.pair, direction: 'AOverB' }, p.spreads?.netEntryAOverB);
        setIf(g, { pair: p.pair, direction: 'BOverA' }, p.spreads?.netEntryBOverA);
      }
    });
    gauge('arb_spread_entry_pct', 'Gross entry spread (VWAP for the position size), percent', ['pair', 'direction'], (g) => {
      for (const p of state.pairs.values()) {
        setIf(g, { pair: p.pair, direction: 'AOverB' }, p.spreads?.entryAOverB);
        setIf(g, { pair: p.pair, direction: 'BOverA' }, p.spreads?.entryBOverA);
      }
    });
    gauge('arb_spread_exit_pct', 'Exit spread of a position in that direction, percent (compared with the exit target)', ['pair', 'direction'], (g) => {
      for (const p of state.pairs.values()) {
        setIf(g, { pair: p.pair, direction: 'AOverB' }, p.spreads?.exitAOverB);
        setIf(g, { pair: p.pair, direction: 'BOverA' }, p.spreads?.exitBOverA);
      }
    });
    gauge('arb_spread_threshold_pct', 'Configured entry threshold (net) and exit target, percent', ['pair', 'kind'], (g) => {
      for (const p of state.pairs.values()) {
        g.set({ pair: p.pair, kind: 'entry' }, p.spreadEntry);
        g.set({ pair: p.pair, kind: 'exit' }, p.spreadExit);
      }
    });
}

function feedSeries({ gauge, counter, setIf }: Series, { state, now }: SeriesContext): void {
    gauge('arb_book_age_seconds', 'Age of the book at the last spread sample', ['pair', 'venue'], (g) => {
      for (const p of state.pairs.values()) {
        setIf(g, { pair: p.pair, venue: p.dexA }, p.bookAgeMs.a === undefined ? undefined : p.bookAgeMs.a / 1000);
        setIf(g, { pair: p.pair, venue: p.dexB }, p.bookAgeMs.b === undefined ? undefined : p.bookAgeMs.b / 1000);
      }
    });
    gauge('arb_feed_lag_seconds', 'How far the feed is behind the venue by its own clock (lower bound); absent while unknown', ['venue', 'symbol'], (g) => {
      for (const f of state.trackedFeeds) setIf(g, { venue: f.venue, symbol: f.symbol }, f.stats.lagMs === undefined ? undefined : f.stats.lagMs / 1000);
    });
    gauge('arb_feed_last_update_age_seconds', 'Time since the feed last applied an update', ['venue', 'symbol'], (g) => {
      for (const f of state.trackedFeeds) if (f.stats.lastUpdateAt > 0) g.set({ venue: f.venue, symbol: f.symbol }, Math.max(0, now() - f.stats.lastUpdateAt) / 1000);
    });
    gauge('arb_feed_stale', '1 while the feed is stale (no updates, lagging, resyncing or disconnected)', ['venue', 'symbol'], (g) => {
      for (const f of state.feeds.values()) g.set({ venue: f.venue, symbol: f.symbol }, f.stale ? 1 : 0);
    });
    const feedCounter = (name: string, help: string, read: (s: (typeof state.trackedFeeds)[number]['stats']) => number) =>
      counter(name, help, ['venue', 'symbol'], (set) => {
        const totals = new Map<string, { venue: string; symbol: string; v: number }>();
        for (const f of state.trackedFeeds) {
          const key = `${f.venue}\u0000${f.symbol}`;
          const t = totals.get(key) ?? { venue: f.venue, symbol: f.symbol, v: 0 };
          t.v += read(f.stats);
          totals.set(key, t);
        }
        for (const t of totals.values()) set({ venue: t.venue, symbol: t.symbol }, t.v);
      });
    feedCounter('arb_feed_frames_total', 'WebSocket frames received', (s) => s.frames);
    feedCounter('arb_feed_bytes_total', 'WebSocket bytes received', (s) => s.bytes);
    feedCounter('arb_feed_decode_errors_total', 'Malformed frames counted and dropped', (s) => s.decodeErrors);
    feedCounter('arb_feed_resyncs_total', 'Book resyncs (gap or checksum)', (s) => s.resyncs);
    feedCounter('arb_feed_reconnects_total', 'Feed reconnects', (s) => s.reconnects);

}

function moneySeries({ gauge, setIf }: Series, { state, summary }: SeriesContext): void {
    gauge('arb_position_size', 'Open position size per leg, base units (0 when flat)', ['pair', 'direction'], (g) => {
      for (const p of state.pairs.values()) {
        g.set({ pair: p.pair, direction: 'AOverB' }, p.position?.direction === 'AOverB' ? p.position.size : 0);
        g.set({ pair: p.pair, direction: 'BOverA' }, p.position?.direction === 'BOverA' ? p.position.size : 0);
      }
    });
    gauge('arb_unrealised_pnl_usd', 'Open position marked to the last books, net of estimated exit fees, USD', ['pair'], (g) => {
      for (const p of state.pairs.values()) g.set({ pair: p.pair }, p.position?.mark?.netUsd ?? 0);
    });
    // From the summary's running sums per pair: its trade rows may be only the newest (a long run keeps a bounded number).
    const perPair = (read: (r: PairRealised) => number) => (g: Gauge<'pair'>) => {
      const now = summary();
      for (const p of state.pairs.values()) {
        const r = now?.byPair[p.pair];
        g.set({ pair: p.pair }, r !== undefined && Number.isFinite(read(r)) ? read(r) : 0);
      }
    };
    gauge('arb_realised_gross_pnl_usd', 'Price PnL of the round trips closed this run, USD', ['pair'], perPair((r) => r.grossPnlUsd));
    gauge('arb_realised_net_pnl_usd', 'Realised gross minus the round trips\' fees plus their funding, USD', ['pair'], perPair((r) => r.netPnlUsd));
    gauge('arb_trade_fees_usd', 'Fees paid by the round trips closed this run, USD', ['pair'], perPair((r) => r.feesUsd));
    gauge('arb_run_pnl_usd', 'Run totals, USD: realised gross, every fee paid, funding, realised net (= gross − fees + funding), unrealised net', ['kind'], (g) => {
      const s = summary();
      if (!s) return;
      g.set({ kind: 'realised_gross' }, s.grossPnlUsd);
      g.set({ kind: 'fees' }, s.feesUsd);
      g.set({ kind: 'funding' }, s.fundingUsd);
      g.set({ kind: 'realised_net' }, s.netPnlUsd);
      setIf(g, { kind: 'unrealised_net' }, s.unrealisedPnlUsd);
    });
    gauge('arb_round_trips', 'Round trips closed this run', ['pair'], perPair((r) => r.roundTrips));
    lossBudgetSeries(gauge, summary);
}

/** The loss budget the journals keep across restarts (risk.max_loss_usd): the same figures as /api/status's. */
function lossBudgetSeries(gauge: Series['gauge'], summary: SeriesContext['summary']): void {
    const budget = () => {
      const b = summary()?.lossBudget;
      return b ? lossBudgetView(b) : undefined;
    };
    gauge('arb_loss_budget_spent_usd', 'Realised net loss counted against risk.max_loss_usd since the budget began, across restarts, USD (negative: a net gain)', [], (g) => {
      const b = budget();
      if (b) g.set(-b.netUsd);
    });
    gauge('arb_loss_budget_left_usd', 'What risk.max_loss_usd leaves before the loss limit halts every pair, USD; absent without a limit', [], (g) => {
      const b = budget();
      if (b?.leftUsd != null) g.set(b.leftUsd);
    });
    gauge('arb_loss_budget_limit_usd', 'risk.max_loss_usd, USD; absent without a limit', [], (g) => {
      const b = budget();
      if (b?.limitUsd != null) g.set(b.limitUsd);
    });
}

function stateSeries({ gauge }: Series, { state, now }: SeriesContext): void {
    gauge('arb_halted', '1 while new entries are halted on the pair', ['pair'], (g) => {
      for (const p of state.pairs.values()) g.set({ pair: p.pair }, state.haltedNow(p, now()) ? 1 : 0);
    });
    gauge('arb_pair_phase', '1 for the phase the pair is in', ['pair', 'phase'], (g) => {
      for (const p of state.pairs.values()) g.set({ pair: p.pair, phase: p.phase }, 1);
    });
    gauge('arb_close_failures', 'CLOSE_FAILED events this run', ['pair'], (g) => {
      for (const p of state.pairs.values()) g.set({ pair: p.pair }, p.closeFailures);
    });
    gauge('arb_legs_unwound', 'LEG_UNWOUND events this run', ['pair'], (g) => {
      for (const p of state.pairs.values()) g.set({ pair: p.pair }, p.legsUnwound);
    });
    gauge('arb_run_info', 'Always 1; the run mode as a label', ['mode'], (g) => g.set({ mode: state.mode }, 1));
    gauge('arb_run_start_time_seconds', 'When this run started, Unix seconds', [], (g) => g.set(state.startedAt / 1000));
}

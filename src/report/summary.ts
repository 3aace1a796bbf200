/**
 * Run summary, derived from the event log alone (pure). Fees are every fee actually paid in the run
 * (entry, exit and unwind fills), so net = gross − fees holds even when a position is still open.
 * A rebate (a venue's negative taker fee) is a negative fee: fees below zero are a net rebate received.
 */
import type { TradingEvent } from '../domain/events';
import type { Direction } from '../domain/spread';

export interface RoundTrip {
  readonly pair: string;
  readonly direction: Direction;
  readonly openedAt: number;
  readonly closedAt: number;
  readonly entrySpread: number;
  readonly exitSpread: number;
  readonly grossPnlUsd: number;
  readonly feesUsd: number;
  readonly netPnlUsd: number;
}

export interface RunSummary {
  roundTrips: number;
  opened: number;
  closed: number;
  openAtExit: number;
  grossPnlUsd: number;
  feesUsd: number;
  netPnlUsd: number;
  /** Share of round trips with a positive net PnL, 0..1; 0 when there were none. */
  winRate: number;
  avgHoldMs: number | undefined;
  signalToFillP50Ms: number | undefined;
  signalToFillP99Ms: number | undefined;
  legsUnwound: number;
  closeFailures: number;
  trades: RoundTrip[];
}

/** Nearest-rank percentile of unsorted values; undefined for an empty list. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/**
 * @param openAtExit positions still open when the run ended, as the executor/journal reports them
 *   (independent of the events, so `opened = closed + openAtExit` is a real check). Defaults to the
 *   count derived from the events.
 */
export function summarize(log: readonly TradingEvent[], openAtExit?: number): RunSummary {
  const openByPair = new Map<string, { direction: Direction; openedAt: number; entrySpread: number }>();
  const trades: RoundTrip[] = [];
  const latencies: number[] = [];
  let opened = 0;
  let closed = 0;
  let grossPnlUsd = 0;
  let feesUsd = 0;
  let legsUnwound = 0;
  let closeFailures = 0;

  for (const e of log) {
    switch (e.type) {
      case 'POSITION_OPENED':
        opened++;
        openByPair.set(e.pair, { direction: e.direction, openedAt: e.time, entrySpread: e.entrySpread });
        break;
      case 'TRADE_ENTRY':
        latencies.push(e.latencyMs);
        break;
      case 'ORDER_FILLED':
        feesUsd += e.feeUsd;
        break;
      case 'LEG_UNWOUND':
        legsUnwound++;
        break;
      case 'CLOSE_FAILED':
        closeFailures++;
        break;
      case 'POSITION_CLOSED': {
        closed++;
        const gross = e.grossPnlUsd ?? 0;
        grossPnlUsd += gross;
        const open = openByPair.get(e.pair);
        openByPair.delete(e.pair);
        const tripFees = e.feesUsd ?? 0;
        trades.push({
          pair: e.pair,
          direction: open?.direction ?? 'AOverB',
          openedAt: open?.openedAt ?? e.time,
          closedAt: e.time,
          entrySpread: e.entrySpread,
          exitSpread: e.exitSpread,
          grossPnlUsd: gross,
          feesUsd: tripFees,
          netPnlUsd: gross - tripFees,
        });
        break;
      }
      default:
        break;
    }
  }

  const holds = trades.map((t) => t.closedAt - t.openedAt);
  return {
    roundTrips: trades.length,
    opened,
    closed,
    openAtExit: openAtExit ?? openByPair.size,
    grossPnlUsd,
    feesUsd,
    netPnlUsd: grossPnlUsd - feesUsd,
    winRate: trades.length === 0 ? 0 : trades.filter((t) => t.netPnlUsd > 0).length / trades.length,
    avgHoldMs: holds.length === 0 ? undefined : holds.reduce((a, b) => a + b, 0) / holds.length,
    signalToFillP50Ms: percentile(latencies, 50),
    signalToFillP99Ms: percentile(latencies, 99),
    legsUnwound,
    closeFailures,
    trades,
  };
}

function fmtMs(ms: number | undefined): string {
  if (ms === undefined) return 'n/a';
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(1)} ms`;
}

function usd(v: number): string {
  return `${v < 0 ? '-' : ''}$${Math.abs(v).toFixed(2)}`;
}

/** The final summary as an aligned text table. */
export function summaryTable(s: RunSummary): string {
  const rows: [string, string][] = [
    ['round trips', String(s.roundTrips)],
    ['opened / closed / open at exit', `${s.opened} / ${s.closed} / ${s.openAtExit}`],
    ['win rate', s.roundTrips === 0 ? 'n/a' : `${(s.winRate * 100).toFixed(1)} %`],
    ['gross PnL', usd(s.grossPnlUsd)],
    ['fees', s.feesUsd < 0 ? `${usd(s.feesUsd)} (net rebate received)` : usd(s.feesUsd)],
    ['net PnL', usd(s.netPnlUsd)],
    ['average hold', fmtMs(s.avgHoldMs)],
    ['signal→fill p50', fmtMs(s.signalToFillP50Ms)],
    ['signal→fill p99', fmtMs(s.signalToFillP99Ms)],
    ['legs unwound', String(s.legsUnwound)],
    ['close failures', String(s.closeFailures)],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  const line = '-'.repeat(w + 20);
  return [line, ...rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`), line].join('\n');
}

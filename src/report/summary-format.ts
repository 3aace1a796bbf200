/**
 * The run summary in words: the figures as the console table, the report header and the `--summary-json` file
 * show them, each worded once (summaryFigures), and the settings a run traded with.
 */
import type { UsdcUsd, VenueId } from '../domain/market';
import { pairExposureText } from '../execution/reconcile';
import type { RunSummary } from './summary';
import type { LossBudgetFigures } from './summary-types';

/** The settings a run traded with, as the report and the summary JSON show them. */
export interface RunSettings {
  readonly mode: string;
  /** Seed of the simulated market (sim mode). */
  readonly seed?: number;
  readonly simModel?: Readonly<Record<string, number>>;
  readonly closeOnExit: boolean;
  readonly durationSec?: number;
  /** Period of the spread samples the charts are drawn from, ms. */
  readonly spreadSampleMs: number;
  readonly pairs: readonly PairRunSettings[];
  readonly risk: {
    readonly maxLossUsd?: number;
    readonly maxNotionalUsd: number;
    readonly haltCooldownSec: number;
    /** Funding checks against the venues: each leg's tolerance, and the period while held (minutes; 0 = off). */
    readonly fundingTolerance?: { readonly absUsd: number; readonly relative: number };
    readonly fundingReconcileMinutes?: number;
  };
  /** The USDC/USD rate the venues' prices were compared with (Paradex quotes USD, Vest USDC), and its source. */
  readonly usdcUsd?: UsdcUsd;
  /** A replay's data: where, the span it covers (ms since epoch), its frames, its fill latency, and faults read in it. */
  readonly replay?: ReplayFacts;
}

export interface ReplayFacts {
  readonly dataDir: string;
  readonly files: number;
  readonly fromMs: number;
  readonly toMs: number;
  readonly frames: number;
  /** Frames handed to an open replayed socket; dropped = recorded while the replayed client had none open. */
  readonly framesDelivered: number;
  readonly framesDropped: number;
  /** Records the recorder itself dropped (its writer was behind), as it noted them. */
  readonly recorderLost: number;
  readonly latencyMs: number;
  readonly faults: readonly string[];
  /** The recorded funding the replay fed the bot, or why there is none (a VPREC1 recording): never a silent zero. */
  readonly funding?: { readonly status: 'recorded'; readonly observations: number; readonly failed: number } | { readonly status: 'not recorded'; readonly reason: string };
}

export interface PairRunSettings {
  readonly id: string;
  readonly pair: string;
  readonly dexA: VenueId;
  readonly dexB: VenueId;
  /** Entry threshold on the net entry spread, percent. */
  readonly spreadEntry: number;
  /** Exit target on the exit spread, percent. */
  readonly spreadExit: number;
  /** Taker fees of A and B, fractions. */
  readonly takerFeeA: number;
  readonly takerFeeB: number;
  /** Both legs in and out, percent: the gross entry spread must reach spreadEntry + this. */
  readonly roundTripFeePct: number;
  readonly positionSize: number;
  readonly entryConfirmTicks: number;
  readonly exitConfirmTicks?: number;
  readonly spreadEntryMax?: number;
  /** Tick sampling, ms; 0 = every book update. */
  readonly sampleMs: number;
  readonly cooldownMs: number;
}

function fmtMs(ms: number | undefined): string {
  if (ms === undefined) return 'n/a';
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(1)} ms`;
}

export function usd(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return 'n/a';
  const text = Math.abs(v).toFixed(2);
  // A loss that rounds to zero cents prints as $0.00, never "-$0.00".
  return `${v < 0 && text !== '0.00' ? '-' : ''}$${text}`;
}

/** Funding is cents or less per trade: four decimals. */
export function fundingUsdText(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return 'n/a';
  const rounded = Math.round(v * 10_000) / 10_000; // a loss that rounds to nothing prints $0.0000, not -$0.0000
  return `${rounded < 0 ? '-' : ''}$${Math.abs(rounded).toFixed(4)}`;
}

/** One figure of the summary: `key` is its `--summary-json` key where it has one. */
export interface SummaryFigure {
  readonly key: string;
  readonly label: string;
  readonly text: string;
}

/** After each close the bot's funding is checked against the venues' own figures: the difference and what it covers. */
function fundingVenueText(s: RunSummary): string {
  const checked = `${s.fundingChecks} close(s) checked`;
  const mismatched = s.fundingMismatches > 0 ? `, ${s.fundingMismatches} beyond tolerance (FUNDING_MISMATCH)` : ', all within tolerance';
  if (s.fundingVenueDiffUsd === undefined) return `n/a (no venue figure could be read; ${checked})`;
  return `${fundingUsdText(s.fundingVenueDiffUsd)} (${checked}${mismatched})`;
}

/** The budget the journals hold: spent since when, of what limit, and how much of it before this run. */
function lossBudgetText(b: LossBudgetFigures): string {
  const since = b.since !== undefined ? ` since ${new Date(b.since).toISOString()}` : '';
  const limit = b.maxLossUsd !== undefined ? ` (limit -$${b.maxLossUsd}, ${usd(Math.max(0, b.maxLossUsd + b.atEndUsd))} left)` : '';
  return `${usd(b.atEndUsd)} realised net${since}${limit}; ${usd(b.atStartUsd)} of it before this run`;
}

/** The summary's figures, worded once for the console table and the report header. */
export function summaryFigures(s: RunSummary): SummaryFigure[] {
  const markedAt = s.unrealisedMarkedAt === undefined ? '' : ` at ${new Date(s.unrealisedMarkedAt).toISOString().slice(11, 19)}Z`;
  const unrealisedText =
    s.openPositions.length === 0
      ? `${usd(0)} (nothing open)`
      : s.unrealisedPnlUsd === undefined
        ? 'n/a (open position the books could not price)'
        : `${usd(s.unrealisedPnlUsd)} (gross ${usd(s.unrealisedGrossPnlUsd)}, est. exit fees ${usd(s.unrealisedExitFeesUsd)}, funding accrued ${fundingUsdText(s.unrealisedFundingUsd)}${markedAt})`;
  const unknownFunding = s.fundingUnknownTrades > 0 ? `; ${s.fundingUnknownTrades} round trip(s) without a funding figure count none` : '';
  return [
    { key: 'roundTrips', label: 'round trips', text: String(s.roundTrips) },
    { key: 'opened', label: 'opened / closed / open at exit', text: `${s.opened} / ${s.closed} / ${s.openAtExit}` },
    { key: 'winRate', label: 'win rate', text: s.roundTrips === 0 ? 'n/a' : `${(s.winRate * 100).toFixed(1)} %` },
    { key: 'grossPnlUsd', label: 'realised gross PnL', text: usd(s.grossPnlUsd) },
    { key: 'feesUsd', label: 'realised fees', text: s.feesUsd < 0 ? `${usd(s.feesUsd)} (net rebate received)` : usd(s.feesUsd) },
    { key: 'fundingUsd', label: 'realised funding (+ received)', text: `${fundingUsdText(s.fundingUsd)}${unknownFunding}` },
    ...(s.fundingChecks > 0 ? [{ key: 'fundingVenueDiffUsd', label: 'funding: venues − bot', text: fundingVenueText(s) }] : []),
    ...(s.fundingHeldChecks > 0 ? [{ key: 'fundingHeldMismatches', label: 'funding checks while held', text: `${s.fundingHeldChecks} checked, ${s.fundingHeldMismatches} beyond tolerance` }] : []),
    { key: 'netPnlUsd', label: 'realised net PnL', text: usd(s.netPnlUsd) },
    { key: 'unrealisedPnlUsd', label: 'unrealised net PnL (open, marked to the books)', text: unrealisedText },
    { key: 'netIfClosedNowUsd', label: 'net if closed now', text: usd(s.netIfClosedNowUsd) },
    { key: 'maxDrawdownUsd', label: 'max drawdown (net if closed now)', text: usd(s.maxDrawdownUsd) },
    { key: 'maxDrawdownRealisedUsd', label: 'max drawdown (closed trades)', text: usd(s.maxDrawdownRealisedUsd) },
    { key: 'avgHoldMs', label: 'average hold', text: fmtMs(s.avgHoldMs) },
    { key: 'signalToFillP50Ms', label: 'signal→fill p50', text: fmtMs(s.signalToFillP50Ms) },
    { key: 'signalToFillP99Ms', label: 'signal→fill p99', text: fmtMs(s.signalToFillP99Ms) },
    { key: 'legsUnwound', label: 'legs unwound', text: String(s.legsUnwound) },
    { key: 'closeFailures', label: 'close failures', text: String(s.closeFailures) },
    ...(s.lateFills > 0 ? [{ key: 'lateFills', label: 'late fills credited', text: String(s.lateFills) }] : []),
    ...(s.lossBudget !== undefined ? [{ key: 'lossBudget', label: 'loss budget (journal)', text: lossBudgetText(s.lossBudget) }] : []),
    {
      key: 'exposureAtExit',
      label: 'unhedged exposure at exit',
      text: s.exposureAtExit.length > 0 ? `${s.exposureAtExit.length} pair(s): ${s.exposureAtExit.map(pairExposureText).join(' | ')}` : hedgedAtExitText(s.openAtExit),
    },
  ];
}

/**
 * Nothing unhedged: say so, and say what is still held, so that "none" beside "open at exit: 1" cannot be
 * read as "nothing is open".
 */
function hedgedAtExitText(openAtExit: number): string {
  return openAtExit === 0 ? 'none (flat)' : `none (${openAtExit} hedged position${openAtExit === 1 ? '' : 's'} still open)`;
}

/** The final summary as an aligned text table. */
export function summaryTable(s: RunSummary): string {
  const rows = summaryFigures(s).map((f) => [f.label, f.text] as const);
  const w = Math.max(...rows.map(([k]) => k.length));
  const line = '-'.repeat(w + 20);
  return [line, ...rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`), line].join('\n');
}

/** Where a run's files are, for the summary JSON. */
export interface RunFiles {
  readonly mode: string;
  readonly reportPath: string;
  readonly eventsPath: string;
  readonly settings?: RunSettings;
  /** True when the shutdown grace ran out with an operation in flight. */
  readonly unfinished?: boolean;
}

function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

/**
 * The `--summary-json` object. Its first keys are kept exactly as they always were (other programs read them);
 * everything after `eventsPath` was added later. Missing figures are null, never 0.
 */
export function summaryJson(s: RunSummary, run: RunFiles): Record<string, unknown> {
  return {
    mode: run.mode,
    roundTrips: s.roundTrips,
    opened: s.opened,
    closed: s.closed,
    openAtExit: s.openAtExit,
    grossPnlUsd: s.grossPnlUsd,
    feesUsd: s.feesUsd,
    netPnlUsd: s.netPnlUsd,
    winRate: s.winRate,
    avgHoldMs: s.avgHoldMs ?? null,
    signalToFillP50Ms: s.signalToFillP50Ms ?? null,
    signalToFillP99Ms: s.signalToFillP99Ms ?? null,
    legsUnwound: s.legsUnwound,
    closeFailures: s.closeFailures,
    reportPath: run.reportPath,
    eventsPath: run.eventsPath,
    fundingUsd: s.fundingUsd,
    unrealisedPnlUsd: s.unrealisedPnlUsd ?? null,
    unrealisedGrossPnlUsd: s.unrealisedGrossPnlUsd ?? null,
    unrealisedExitFeesUsd: s.unrealisedExitFeesUsd ?? null,
    unrealisedMarkedAt: iso(s.unrealisedMarkedAt),
    netIfClosedNowUsd: s.netIfClosedNowUsd ?? null,
    maxDrawdownUsd: s.maxDrawdownUsd,
    maxDrawdownRealisedUsd: s.maxDrawdownRealisedUsd,
    failedEntries: s.outsideTrades.failedEntries,
    firstEventAt: iso(s.firstEventAt),
    lastEventAt: iso(s.lastEventAt),
    lateFills: s.lateFills,
    exposureAtExit: s.exposureAtExit,
    unfinishedAtExit: run.unfinished ?? false,
    fundingUnknownTrades: s.fundingUnknownTrades,
    unrealisedFundingUsd: s.unrealisedFundingUsd ?? null,
    fundingVenueDiffUsd: s.fundingVenueDiffUsd ?? null,
    fundingMismatches: s.fundingMismatches,
    unwindGrossPnlUsd: s.outsideTrades.grossPnlUsd,
    unwindsUnpriced: s.outsideTrades.unwindsUnpriced,
    fundingHeldChecks: s.fundingHeldChecks,
    fundingHeldMismatches: s.fundingHeldMismatches,
    lossBudget: s.lossBudget !== undefined ? { ...s.lossBudget, since: iso(s.lossBudget.since) } : null,
    ...(run.settings !== undefined ? { settings: run.settings } : {}),
  };
}

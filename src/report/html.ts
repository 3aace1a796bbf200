/**
 * The run report (pure): one self-contained HTML page that works offline. uPlot and the chart code are inlined
 * (chart-assets.ts), the data is a JSON block, and every figure the page shows comes from the run summary, so the
 * page, the console table and `--summary-json` say the same thing.
 *
 * - Figures: realised gross, fees, funding and net; the open position's unrealised PnL marked to the books; net if
 *   closed now; max drawdown; the console summary's table as it printed.
 * - Per pair: both directions' gross entry spreads against the gross entry threshold, the held position's exit
 *   spread against the exit target, held periods shaded, a marker at each decision's own tick, on a UTC time axis
 *   with zoom and pan.
 * - Equity: realised net, net if closed now, fees paid and funding over time, the max drawdown shaded.
 * - Trades: both legs' fill prices, size, notional, slippage against the decision, fees per venue, the exit reason,
 *   a row for a position open at exit and one for fees outside round trips; totals that add up to the figures.
 * - The run's settings and its last notable events.
 */
import { lossBudgetLine, lossBudgetView } from './loss-budget';
import type { ExitReason, TradingEvent } from '../domain/events';
import { QUOTE_CURRENCY, usdcUsdText, type VenueId } from '../domain/market';
import { describeEvent } from '../logging/logger';
import { redactText } from '../logging/redact';
import { CHARTS_SCRIPT, chartLibrary, jsonScriptText, scriptText } from './chart-assets';
import type { PairChartData, ReportData } from './run-record';
import { summaryFigures, type OpenAtExit, type RoundTrip, type RunSettings, type RunSummary, type TradeOpening } from './summary';
import type { SeriesPoints } from './time-buckets';

export interface ReportOptions {
  title: string;
  settings: RunSettings;
  /** Wall-clock start and end of the run, ms. */
  startedAt: number;
  endedAt: number;
  /** Shown in the header (the run folder). */
  runDir?: string;
  /** Panels placed after the trades (a sweep's table and heatmap): HTML its caller built and escaped. */
  extraSections?: string;
}

/** What the page's script receives (the `report-data` JSON block). */
export interface PageData {
  readonly spanStart: number;
  readonly spanEnd: number;
  readonly moneyDigits: number;
  readonly pairs: readonly PagePair[];
  readonly equity: ReportData['equity'] & { readonly drawdown: { readonly usd: number; readonly from: number | null; readonly to: number | null } };
}

interface PagePair {
  readonly pair: string;
  readonly dexA: VenueId;
  readonly dexB: VenueId;
  readonly entryNet: number;
  readonly roundTripFeePct: number;
  readonly entryGross: number;
  readonly exit: number;
  readonly series: { readonly entryAOverB: SeriesPoints; readonly entryBOverA: SeriesPoints; readonly heldExit: SeriesPoints };
  readonly markers: PairChartData['markers'];
  readonly held: readonly { readonly direction: string; readonly from: number; readonly to: number | null }[];
}

/**
 * Text into markup: redacted (reasons and labels came from events, and the page is written without the
 * output filter, which would break its inlined scripts), then HTML-escaped.
 */
function esc(s: string): string {
  return redactText(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** `value` with every string in it redacted (the page's data: labels and reasons came from events). */
function redactStrings<T>(value: T): T {
  if (typeof value === 'string') return redactText(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => redactStrings(v)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, redactStrings(v)])) as T;
  }
  return value;
}

/** Six decimals: sub-pixel on any chart, and a third of the JSON. */
function round6(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

function compact(s: SeriesPoints): SeriesPoints {
  return { t: s.t, v: s.v.map((v) => (v === null ? null : round6(v))) };
}

function pct(v: number | undefined, digits = 4): string {
  return v === undefined || !Number.isFinite(v) ? '–' : `${v.toFixed(digits)}%`;
}

function bp(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '–' : `${v >= 0 ? '' : '−'}${Math.abs(v).toFixed(1)} bp`;
}

function price(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  const digits = v >= 1000 ? 2 : v >= 1 ? 4 : 6;
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function utcTime(ms: number | undefined, withDate = false): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  const iso = new Date(ms).toISOString();
  return withDate ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : iso.slice(11, 19);
}

function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** Short name and explanation of each exit reason (typed by ExitReason: a new reason must be named here). */
const EXIT_REASONS: Record<ExitReason, [string, string]> = {
  exit_target: ['target', 'the exit spread reached the exit target'],
  close_on_exit: ['shutdown', 'closed on shutdown (--close-on-exit)'],
  resume_close: ['resumed', 'a close interrupted by a restart, finished'],
  flatten: ['flatten', 'closed by an operator\'s flatten (kill switch)'],
  max_duration: ['max hold', 'held for risk.max_duration_hours: closed whatever the spread'],
  adverse_funding: ['carry', 'the funding carry turned against the position beyond bots[].funding_exit_bps_per_hour'],
};

function exitReasonText(reason: string | undefined): string {
  if (reason === undefined) return '–';
  const [name, title] = (EXIT_REASONS as Record<string, [string, string] | undefined>)[reason] ?? [reason, reason];
  return `<span title="${esc(title)}">${esc(name)}</span>`;
}

/** Money on this page: cents, or hundredths of a cent when every figure is small (tiny sizes in sim and paper). */
class Money {
  constructor(readonly digits: number) {}

  text(v: number | undefined): string {
    if (v === undefined || !Number.isFinite(v)) return '–';
    const abs = Math.abs(v).toLocaleString('en-US', { minimumFractionDigits: this.digits, maximumFractionDigits: this.digits });
    return `${v < 0 && Math.abs(v) >= 0.5 * 10 ** -this.digits ? '−' : ''}$${abs}`;
  }

  /** A cell that keeps the exact figure for machines (data-value) beside the rounded one for people. */
  cell(v: number | undefined, extra = ''): string {
    const cls = v === undefined || !Number.isFinite(v) ? '' : v > 0 ? 'pos' : v < 0 ? 'neg' : '';
    return `<td class="num ${cls}" data-value="${v === undefined || !Number.isFinite(v) ? '' : v}">${this.text(v)}${extra}</td>`;
  }
}

function moneyDigits(s: RunSummary): number {
  const figures = [s.grossPnlUsd, s.feesUsd, s.fundingUsd, s.netPnlUsd, s.unrealisedPnlUsd ?? 0, ...s.trades.map((t) => Math.abs(t.grossPnlUsd))];
  return Math.max(...figures.map(Math.abs)) < 100 ? 4 : 2;
}

function pagePairs(data: ReportData, settings: RunSettings): PagePair[] {
  return data.pairs.map((c) => {
    const p = settings.pairs.find((x) => x.pair === c.pair);
    const roundTripFeePct = p?.roundTripFeePct ?? 0;
    const entryNet = p?.spreadEntry ?? Number.NaN;
    return {
      pair: c.pair,
      dexA: p?.dexA ?? 'vest',
      dexB: p?.dexB ?? 'paradex',
      entryNet,
      roundTripFeePct,
      entryGross: round6(entryNet + roundTripFeePct),
      exit: p?.spreadExit ?? Number.NaN,
      series: { entryAOverB: compact(c.entryAOverB), entryBOverA: compact(c.entryBOverA), heldExit: compact(c.heldExit) },
      markers: c.markers.map((m) => ({ ...m, spread: round6(m.spread) })),
      held: c.held.map((h) => ({ direction: h.direction, from: h.from, to: h.to ?? null })),
    };
  });
}

// ---------------------------------------------------------------------------------------------- sections

function cards(s: RunSummary, money: Money): string {
  const card = (key: string, label: string, value: number | undefined, text: string, sub: string) =>
    `<div class="card" data-key="${key}" data-value="${value ?? ''}"><div class="label">${esc(label)}</div>` +
    `<div class="big ${value === undefined ? '' : value > 0 ? 'pos' : value < 0 ? 'neg' : ''}">${esc(text)}</div><div class="sub">${sub}</div></div>`;
  const open = s.openPositions.length;
  return `<section class="cards">
${card('netPnlUsd', 'Realised net PnL', s.netPnlUsd, money.text(s.netPnlUsd), `gross ${money.text(s.grossPnlUsd)} − fees ${money.text(s.feesUsd)} + funding ${money.text(s.fundingUsd)}`)}
${card(
  'unrealisedPnlUsd',
  'Unrealised (open, marked to the books)',
  s.unrealisedPnlUsd,
  open === 0 ? 'nothing open' : money.text(s.unrealisedPnlUsd),
  open === 0
    ? 'no position open at exit'
    : s.unrealisedPnlUsd === undefined
      ? 'the books could not price the open position'
      : `gross ${money.text(s.unrealisedGrossPnlUsd)} − est. exit fees ${money.text(s.unrealisedExitFeesUsd)}, at ${utcTime(s.unrealisedMarkedAt)} UTC`,
)}
${card('netIfClosedNowUsd', 'Net if closed now', s.netIfClosedNowUsd, money.text(s.netIfClosedNowUsd), 'realised net + unrealised net')}
${card(
  'maxDrawdownUsd',
  'Max drawdown',
  s.maxDrawdownUsd,
  money.text(s.maxDrawdownUsd),
  `of net if closed now${s.maxDrawdownFrom !== undefined ? `, ${utcTime(s.maxDrawdownFrom)} → ${utcTime(s.maxDrawdownTo)} UTC` : ''}; closed trades ${money.text(s.maxDrawdownRealisedUsd)}`,
)}
${card('roundTrips', 'Round trips', s.roundTrips, `${s.roundTrips}${s.roundTrips > 0 ? ` · ${(s.winRate * 100).toFixed(0)} % won` : ''}`, `opened ${s.opened} · closed ${s.closed} · open at exit ${s.openAtExit}`)}
${card(
  'signalToFillP50Ms',
  'Signal → fill',
  s.signalToFillP50Ms,
  s.signalToFillP50Ms === undefined ? 'n/a' : `${s.signalToFillP50Ms.toFixed(0)} ms p50`,
  s.signalToFillP99Ms === undefined ? '' : `p99 ${s.signalToFillP99Ms.toFixed(0)} ms · legs unwound ${s.legsUnwound} · close failures ${s.closeFailures}`,
)}
</section>`;
}

function summaryBlock(s: RunSummary): string {
  const rows = summaryFigures(s)
    .map((f) => `<tr data-key="${esc(f.key)}"><th>${esc(f.label)}</th><td>${esc(f.text)}</td></tr>`)
    .join('\n');
  return `<div class="panel"><h2>Summary <span class="hint">as the console printed it</span></h2><table class="kv" id="summary">${rows}</table></div>`;
}

/** A backtest: the data it replayed (span, frames, faults) and its fill model. */
function replayRows(settings: RunSettings): [string, string][] {
  const r = settings.replay;
  if (!r) return [];
  return [
    ['data', `${r.dataDir} (${r.files} file${r.files === 1 ? '' : 's'})`],
    ['data span', `${utcTime(r.fromMs, true)} → ${utcTime(r.toMs, true)} UTC (${duration(r.toMs - r.fromMs)})`],
    ['frames', `${r.frames} recorded, ${r.framesDelivered} replayed, ${r.framesDropped} while the replayed feed was reconnecting${r.recorderLost > 0 ? `, ${r.recorderLost} lost by the recorder` : ''}`],
    ['fills', `paper: VWAP of the recorded book ${r.latencyMs} ms after the order, taker fees as recorded`],
    ...(r.funding ? [['funding', r.funding.status === 'recorded' ? `replayed as recorded: ${r.funding.observations} venue answers${r.funding.failed > 0 ? ` (${r.funding.failed} failed polls)` : ''}, in the carry and the PnL` : `not recorded (${r.funding.reason}): no carry counted, round trips without a funding figure`] as [string, string]] : []),
    ...(r.faults.length > 0 ? [['recording faults', r.faults.join('; ')] as [string, string]] : []),
  ];
}

/** How the venues' prices were put in one unit: "USDC/USD taken as 1.0000 (assumed; …); paradex quotes USD, vest USDC". */
function quoteUnitsText(settings: RunSettings): string {
  const venues = [...new Set(settings.pairs.flatMap((p) => [p.dexA, p.dexB]))];
  return `${usdcUsdText(settings.usdcUsd!)}; ${venues.map((v) => `${v} quotes ${QUOTE_CURRENCY[v]}`).join(', ')}`;
}

/** "each leg within the larger of $0.01 and 2 % of its figure; after each close and every 15 min while held". */
function fundingChecksText(risk: RunSettings['risk']): string {
  const t = risk.fundingTolerance!;
  const held = risk.fundingReconcileMinutes ? ` and every ${risk.fundingReconcileMinutes} min while held` : ' (not while held)';
  return `each leg within the larger of $${t.absUsd} and ${+(t.relative * 100).toFixed(4)} % of its figure; after each close${held}`;
}

function settingsBlock(settings: RunSettings, opts: ReportOptions): string {
  const rows: [string, string][] = [
    ['mode', settings.mode],
    ...(settings.seed !== undefined && settings.mode === 'sim' ? [['seed', String(settings.seed)] as [string, string]] : []),
    ...(settings.simModel && Object.keys(settings.simModel).length > 0 ? [['sim model', JSON.stringify(settings.simModel)] as [string, string]] : []),
    ['ran', `${utcTime(opts.startedAt, true)} → ${utcTime(opts.endedAt, true)} UTC (${duration(opts.endedAt - opts.startedAt)})`],
    ...replayRows(settings),
    ...(settings.durationSec !== undefined ? [['duration asked', `${settings.durationSec} s`] as [string, string]] : []),
    ['on exit', settings.closeOnExit ? 'close open positions' : 'leave open positions open (journaled)'],
    ['spread samples', `every ${settings.spreadSampleMs} ms (charts)`],
    ['max realised loss', settings.risk.maxLossUsd === undefined ? 'none' : `$${settings.risk.maxLossUsd}`],
    ['max notional per leg', `$${settings.risk.maxNotionalUsd}`],
    ['halt after an unwind', `${settings.risk.haltCooldownSec} s`],
    ...(settings.usdcUsd ? [['quote units', quoteUnitsText(settings)] as [string, string]] : []),
    ...(settings.risk.fundingTolerance ? [['funding checks', fundingChecksText(settings.risk)] as [string, string]] : []),
  ];
  const pairRows = settings.pairs.flatMap((p): [string, string][] => [
    [`# ${p.pair}`, `${p.id}: A = ${p.dexA}, B = ${p.dexB}`],
    ['  entry at', `net entry spread ≥ ${pct(p.spreadEntry, 3)} (gross ≥ ${pct(p.spreadEntry + p.roundTripFeePct, 3)})${p.spreadEntryMax === undefined ? '' : `, ignored above ${pct(p.spreadEntryMax, 3)} gross`}`],
    ['  exit at', `exit spread ≥ ${pct(p.spreadExit, 3)}`],
    ['  size', `${p.positionSize} per leg`],
    [
      '  round-trip fees',
      `${pct(p.roundTripFeePct, 3)} (taker ${p.dexA} ${(p.takerFeeA * 1e4).toFixed(1)} bp, ${p.dexB} ${(p.takerFeeB * 1e4).toFixed(1)} bp; both legs, in and out)`,
    ],
    ['  confirm ticks', `${p.entryConfirmTicks} to enter, ${p.exitConfirmTicks ?? 1} to exit`],
    ['  ticks', `${p.sampleMs === 0 ? 'every book update' : `every ${p.sampleMs} ms`}; cooldown ${p.cooldownMs} ms after a round trip`],
  ]);
  const kv = (list: [string, string][]) =>
    list.map(([k, v]) => `<tr${k.startsWith('# ') ? ' class="head"' : ''}><th>${esc(k.replace(/^# /, '').trim())}</th><td>${esc(v)}</td></tr>`).join('');
  return `<div class="panel"><h2>Settings</h2><table class="kv" id="settings">${kv(rows)}${kv(pairRows)}</table>
<p class="dim">AOverB = long A, short B: entered when B's bid is above A's ask. BOverA = long B, short A. The exit spread of an AOverB position is the BOverA entry spread.</p></div>`;
}

function chartsBlock(pairs: readonly PagePair[]): string {
  const hasData = (p: PagePair) => p.series.entryAOverB.t.length + p.series.entryBOverA.t.length > 0;
  const perPair = pairs
    .map((p, i) =>
      hasData(p)
        ? `<h3>${esc(p.pair)} <span class="hint">gross spreads, VWAP for the position size; A = ${esc(p.dexA)}, B = ${esc(p.dexB)}</span></h3><div class="chart" id="spread-chart-${i}" data-pair="${esc(p.pair)}"></div>`
        : `<h3>${esc(p.pair)}</h3><p class="dim">No spread samples for ${esc(p.pair)}.</p>`,
    )
    .join('\n');
  return `<section class="panel"><h2>Spreads <span class="hint" id="zoom-range"></span> <button type="button" id="zoom-reset">show all</button></h2>
<p class="help">Drag to zoom · wheel zooms around the cursor · Shift+drag or Shift+wheel pans · double-click shows all · click a legend entry to hide it.
▲ entry and ▼ exit sit on the tick they were decided on (hover for details; hollow: the order did not go through). Shaded: a position held.</p>
${perPair}
<h2>Equity</h2><div class="chart" id="equity-chart"></div></section>`;
}

interface Totals {
  gross: number;
  fees: number;
  net: number;
  unrealised: number;
  unrealisedKnown: boolean;
  byVenue: Partial<Record<VenueId, number>>;
  funding: number;
}

/** Funding a round trip realised (+ received); an unknown figure says so and counts none (data-value 0). */
function fundingCell(t: RoundTrip, money: Money): string {
  if (t.fundingNote !== undefined) return `<td class="num funding" data-value="0" title="${esc(t.fundingNote)}">unknown<div class="dim">not counted</div></td>`;
  return money.cell(t.fundingUsd).replace('<td class="num', '<td class="num funding');
}

function legCell(venue: VenueId | undefined, entry: number | undefined, exit: number | undefined, marked = false): string {
  return `<td class="leg num"><div class="dim">${esc(venue ?? '–')}</div>${price(entry)}<div>→ ${price(exit)}${marked ? '<span class="dim">*</span>' : ''}</div></td>`;
}

function openingCells(t: TradeOpening, closedAt: number | undefined): string {
  return `<td class="nowrap">${esc(t.pair)}<div class="dim">${t.direction}${t.restored ? ' · restored' : ''}</div></td>
<td>${utcTime(t.openedAt)}<div class="dim">${closedAt === undefined ? 'open' : `held ${duration(closedAt - t.openedAt)}`}</div></td>
<td class="num">${t.size ?? '–'}<div class="dim">${t.notionalUsd === undefined ? '' : `$${Math.round(t.notionalUsd).toLocaleString('en-US')}`}</div></td>`;
}

/** The fees paid, with each venue's share below (data-venue-* keep the exact figures). */
function feesCell(total: number, byVenue: Partial<Record<VenueId, number>>, venues: readonly VenueId[], money: Money, extra = ''): string {
  const parts = venues.map((v) => `${esc(v)} ${money.text(byVenue[v] ?? 0)}`).join('<br>');
  const attrs = venues.map((v) => ` data-venue-${v}="${byVenue[v] ?? 0}"`).join('');
  return `<td class="num fees" data-value="${total}"${attrs}>${money.text(total)}<div class="dim">${parts}</div>${extra}</td>`;
}

function tradeRow(i: number, t: RoundTrip, venues: readonly VenueId[], money: Money, totals: Totals): string {
  totals.gross += t.grossPnlUsd;
  totals.fees += t.feesUsd;
  totals.net += t.netPnlUsd;
  totals.funding += t.fundingUsd;
  for (const v of venues) totals.byVenue[v] = (totals.byVenue[v] ?? 0) + (t.feesByVenue[v] ?? 0);
  const earlier = t.earlierRunFeesUsd > 0 ? `<div class="dim">+ ${money.text(t.earlierRunFeesUsd)} at entry, in an earlier run</div>` : '';
  return `<tr class="trade"><td class="num">${i + 1}</td>${openingCells(t, t.closedAt)}
${legCell(t.longVenue, t.longEntryPrice, t.longExitPrice)}${legCell(t.shortVenue, t.shortEntryPrice, t.shortExitPrice)}
<td class="num">${pct(t.detectedSpread)} → ${pct(t.entrySpread)}<div class="dim">${bp(t.entrySlippageBps)}</div></td>
<td class="num">${pct(t.exitSpread)} → ${pct(t.exitFillSpread)}<div class="dim">${bp(t.exitSlippageBps)}</div></td>
<td>${exitReasonText(t.exitReason)}${t.closeFailures > 0 ? `<div class="dim">after ${t.closeFailures} failed close${t.closeFailures > 1 ? 's' : ''}</div>` : ''}</td>
${money.cell(t.grossPnlUsd)}${feesCell(t.feesUsd, t.feesByVenue, venues, money, earlier)}${fundingCell(t, money)}${money.cell(t.netPnlUsd)}<td class="num"></td></tr>`;
}

function openRow(o: OpenAtExit, venues: readonly VenueId[], money: Money, totals: Totals): string {
  totals.fees += o.feesUsd;
  totals.net -= o.feesUsd;
  for (const v of venues) totals.byVenue[v] = (totals.byVenue[v] ?? 0) + (o.feesByVenue[v] ?? 0);
  const m = o.mark;
  if (m === undefined) totals.unrealisedKnown = false;
  else totals.unrealised += m.netUsd + (o.accruedFundingUsd ?? 0);
  const accrued = o.accruedFundingUsd === undefined ? '' : `<div class="dim">funding accrued <span class="nw">${money.text(o.accruedFundingUsd)}</span></div>`;
  const markedSpread = m === undefined ? undefined : ((m.longExitPrice - m.shortExitPrice) / m.shortExitPrice) * 100;
  const unrealised =
    m === undefined
      ? '<td class="num" data-value="">n/a<div class="dim">books could not price it</div></td>'
      : money.cell(m.netUsd + (o.accruedFundingUsd ?? 0), `<div class="dim">gross <span class="nw">${money.text(m.grossUsd)}</span></div><div class="dim">exit fees <span class="nw">${money.text(-m.exitFeesUsd)}</span> (est.)</div>${accrued}`);
  return `<tr class="open-at-exit"><td class="num">open</td>${openingCells(o, undefined)}
${legCell(o.longVenue, o.longEntryPrice, m?.longExitPrice, true)}${legCell(o.shortVenue, o.shortEntryPrice, m?.shortExitPrice, true)}
<td class="num">${pct(o.detectedSpread)} → ${pct(o.entrySpread)}<div class="dim">${bp(o.entrySlippageBps)}</div></td>
<td class="num">${pct(markedSpread)}<div class="dim">* marked ${m === undefined ? '–' : `<span class="nw">${utcTime(m.time)} UTC</span>`}</div></td>
<td><span title="still open when the run ended; marked to the last books">open</span></td>
${money.cell(0)}${feesCell(o.feesUsd, o.feesByVenue, venues, money)}${money.cell(0)}${money.cell(-o.feesUsd)}${unrealised}</tr>`;
}

/**
 * Round trips whose rows the run could not list (its trades.ndjson could not be written or read back): one row
 * with their sums (the summary's per-pair sums less the rows listed), so the table still adds up, saying so.
 */
function notListedRow(s: RunSummary, money: Money, totals: Totals): string {
  const sumOf = (pick: (r: { grossPnlUsd: number; feesUsd: number; fundingUsd: number; netPnlUsd: number }) => number) =>
    Object.values(s.byPair).reduce((a, r) => a + pick(r), 0) - s.trades.reduce((a, t) => a + pick(t), 0);
  const [gross, fees, funding, net] = [sumOf((r) => r.grossPnlUsd), sumOf((r) => r.feesUsd), sumOf((r) => r.fundingUsd), sumOf((r) => r.netPnlUsd)];
  totals.gross += gross;
  totals.fees += fees;
  totals.funding += funding;
  totals.net += net;
  const n = s.tradesNotListed;
  return `<tr class="outside" id="trades-not-listed"><td class="num">–</td><td colspan="8">${n} earlier round trip${n === 1 ? '' : 's'} not listed (the run folder's trades.ndjson could not be read back): their sums, fees by venue unknown</td>
${money.cell(gross)}${money.cell(fees)}${money.cell(funding)}${money.cell(net)}<td class="num"></td></tr>`;
}

/** The failed entries' row: what it holds (its gross is the unwinds' price PnL; its fees, theirs and the failed legs'). */
function outsideText(o: RunSummary['outsideTrades']): string {
  const failed = `${o.failedEntries} failed entr${o.failedEntries === 1 ? 'y' : 'ies'}`;
  const unwinds = `${o.unwinds} leg${o.unwinds === 1 ? '' : 's'} unwound`;
  const unpriced = o.unwindsUnpriced > 0 ? ` (${o.unwindsUnpriced} without a price: not in gross)` : '';
  return `outside round trips: ${failed}, ${unwinds}${unpriced}; gross is the unwinds' price PnL against their entry fills`;
}

function tradesBlock(s: RunSummary, venues: readonly VenueId[], money: Money): string {
  const totals: Totals = { gross: 0, fees: 0, net: 0, unrealised: 0, unrealisedKnown: true, byVenue: {}, funding: 0 };
  const rows = s.trades.map((t, i) => tradeRow(i, t, venues, money, totals));
  if (s.tradesNotListed > 0) rows.unshift(notListedRow(s, money, totals));
  rows.push(...s.openPositions.map((o) => openRow(o, venues, money, totals)));
  const outside = s.outsideTrades;
  if (outside.feesUsd !== 0 || outside.failedEntries > 0 || outside.unwinds > 0) {
    totals.gross += outside.grossPnlUsd;
    totals.fees += outside.feesUsd;
    const net = outside.grossPnlUsd - outside.feesUsd;
    totals.net += net;
    for (const v of venues) totals.byVenue[v] = (totals.byVenue[v] ?? 0) + (outside.feesByVenue[v] ?? 0);
    rows.push(`<tr class="outside" id="outside-trades"><td class="num">–</td><td colspan="8">${outsideText(outside)}</td>
${money.cell(outside.grossPnlUsd)}${feesCell(outside.feesUsd, outside.feesByVenue, venues, money)}${money.cell(0)}${money.cell(net)}<td class="num"></td></tr>`);
  }
  const unseen = s.openAtExit - s.openPositions.length;
  if (unseen > 0) {
    rows.push(`<tr class="outside"><td class="num">open</td><td colspan="13">${unseen} position${unseen > 1 ? 's' : ''} open at exit that this run's events do not show (opened while the run stopped): see the journal</td></tr>`);
  }
  const unrealisedTotal = s.openPositions.length === 0 ? 0 : totals.unrealisedKnown ? totals.unrealised : undefined;
  const close = (a: number, b: number | undefined) => b !== undefined && Math.abs(a - b) < 1e-9;
  const addsUp =
    close(totals.gross, s.grossPnlUsd) &&
    close(totals.fees, s.feesUsd) &&
    close(totals.funding, s.fundingUsd) &&
    close(totals.net, s.netPnlUsd) &&
    (unrealisedTotal === undefined ? s.unrealisedPnlUsd === undefined : close(unrealisedTotal, s.unrealisedPnlUsd));
  const check = addsUp
    ? `<p class="dim" id="totals-check">Totals = the summary: realised gross ${money.text(s.grossPnlUsd)} − fees ${money.text(s.feesUsd)} + funding ${money.text(s.fundingUsd)} = net ${money.text(s.netPnlUsd)}; unrealised ${money.text(s.unrealisedPnlUsd)}; net if closed now ${money.text(s.netIfClosedNowUsd)}.</p>`
    : `<p class="warn" id="totals-check">The table's totals differ from the summary (realised gross ${money.text(s.grossPnlUsd)}, fees ${money.text(s.feesUsd)}, net ${money.text(s.netPnlUsd)}): a bug, please report it.</p>`;
  return `<section class="panel"><h2>Trades <span class="hint">realised, per round trip; a position open at exit is marked to the books</span></h2>
<div class="scroll"><table class="grid" id="trades"><thead><tr><th>#</th><th>pair</th><th>opened (UTC)</th><th>size<div class="dim">notional</div></th>
<th>long leg<div class="dim">entry → exit</div></th><th>short leg<div class="dim">entry → exit</div></th>
<th title="gross entry spread: decided on → filled; slippage in basis points (positive: worse than decided)">entry spread<div class="dim">decided → filled</div></th>
<th title="exit spread: decided on → filled; slippage in basis points (positive: worse than decided)">exit spread<div class="dim">decided → filled</div></th>
<th>exit</th><th>gross</th><th>fees<div class="dim">by venue</div></th>
<th title="funding realised at the close, both legs, from the venues' cumulative indexes (+ received, − paid)">funding<div class="dim">+ received</div></th>
<th>net<div class="dim">gross − fees + funding</div></th><th>unrealised net</th></tr></thead>
<tbody>${rows.length === 0 ? `<tr><td colspan="14" class="dim">No trades.</td></tr>` : rows.join('\n')}</tbody>
<tfoot><tr class="totals"><th colspan="9">totals</th>${[
    money.cell(totals.gross),
    feesCell(totals.fees, totals.byVenue, venues, money),
    money.cell(totals.funding),
    money.cell(totals.net),
    money.cell(unrealisedTotal),
  ]
    .join('')
    .replace(/<td/g, '<th')
    .replace(/<\/td>/g, '</th>')}</tr></tfoot></table></div>
${check}</section>`;
}

function eventsBlock(data: ReportData): string {
  const rows = data.recentEvents
    .map((e: TradingEvent) => `<tr class="ev-${e.type.toLowerCase()}"><td>${utcTime(e.time)}.${String(((e.time % 1000) + 1000) % 1000).padStart(3, '0')}</td><td>${esc(describeEvent(e))}</td></tr>`)
    .join('\n');
  const counts = Object.entries(data.eventCounts)
    .sort(([, a], [, b]) => (b ?? 0) - (a ?? 0))
    .map(([type, n]) => `${esc(type)} ${n}`)
    .join(' · ');
  return `<section class="panel"><h2>Events <span class="hint">the last ${data.recentEvents.length} notable of ${data.eventCount} (every event is in events.ndjson)</span></h2>
<p class="dim">${counts}</p><div class="scroll events"><table class="grid small" id="events"><tbody>${rows}</tbody></table></div></section>`;
}

const PAGE_CSS = `
:root{--fg:#1f2328;--dim:#57606a;--line:#d0d7de;--bg:#f6f8fa;--pos:#1a7f37;--neg:#cf222e}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:var(--fg);background:var(--bg)}
main{max-width:1320px;margin:0 auto;padding:20px 24px 40px}
h1{font-size:22px;margin:0 0 2px}h2{font-size:16px;margin:0 0 8px}h3{font-size:14px;margin:14px 0 4px}
.hint,.dim{color:var(--dim);font-weight:normal;font-size:12px}.help{color:var(--dim);font-size:12px;margin:0 0 6px}
header p{margin:0;color:var(--dim)}
.cards{display:grid;grid-template-columns:repeat(6,1fr);gap:10px;margin:16px 0}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.card .label{font-size:12px;color:var(--dim)}.card .big{font-size:20px;font-weight:600;margin:2px 0}.card .sub{font-size:11px;color:var(--dim)}
.row{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:12px}.nowrap{white-space:nowrap}
.panel{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 14px;margin:0 0 12px}
table{border-collapse:collapse}
.kv th{text-align:left;font-weight:500;color:var(--dim);padding:2px 14px 2px 0;white-space:nowrap}.kv td{padding:2px 0}
.grid{width:100%;font-size:12.5px}.grid th,.grid td{border-bottom:1px solid #eaeef2;padding:5px 6px;vertical-align:top;text-align:left}
.grid thead th{background:#f6f8fa;font-weight:600;position:sticky;top:0}
.grid td.num,.grid th.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}.grid td.num .dim{white-space:normal}.nw{white-space:nowrap}
.grid tfoot th{border-top:2px solid var(--line);background:#f6f8fa}
.grid td.leg{font-variant-numeric:tabular-nums}
.kv tr.head th{color:var(--fg);font-weight:600;padding-top:6px}.grid td.fees .dim{white-space:nowrap}
.grid.small{font-size:12px}.small td,.small th{padding:3px 6px}
tr.open-at-exit td{background:#fff8e5}tr.outside td{background:#f6f8fa;color:var(--dim)}
.pos{color:var(--pos)}.neg{color:var(--neg)}.warn{color:var(--neg);font-weight:600}
.scroll{overflow:auto}.events{max-height:360px}
button{font:inherit;font-size:12px;padding:1px 8px;border:1px solid var(--line);border-radius:6px;background:#f6f8fa;cursor:pointer}
.chart{position:relative;width:100%;margin-bottom:14px}.chart .u-legend{font-size:12px;text-align:left}.chart .u-legend .u-series>*{padding:1px 4px}
.chart-tip{position:absolute;z-index:10;background:#1f2328;color:#fff;font-size:12px;padding:4px 8px;border-radius:4px;pointer-events:none;max-width:520px}
footer{color:var(--dim);font-size:12px;margin-top:16px}
@media (max-width:1100px){.cards{grid-template-columns:repeat(3,1fr)}.row{grid-template-columns:1fr}}
`;

const BOOT_SCRIPT = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var opts = { spanStart: data.spanStart, spanEnd: data.spanEnd, moneyDigits: data.moneyDigits };
  var charts = [];
  data.pairs.forEach(function (p, i) {
    var el = document.getElementById('spread-chart-' + i);
    if (el) charts.push(ArbCharts.spreadChart(el, p, opts));
  });
  var eq = document.getElementById('equity-chart');
  if (eq) charts.push(ArbCharts.equityChart(eq, data.equity, opts));
  var range = document.getElementById('zoom-range');
  function showRange(min, max) {
    var fine = max - min < 120000;
    range.textContent = ArbCharts.clock(min, fine) + ' – ' + ArbCharts.clock(max, fine) + ' UTC';
  }
  ArbCharts.syncZoom(charts, showRange);
  if (charts.length > 0) showRange(charts[0].scales.x.min, charts[0].scales.x.max);
  document.getElementById('zoom-reset').addEventListener('click', function () {
    if (charts.length > 0) charts[0].setScale('x', { min: data.spanStart, max: data.spanEnd });
  });
  window.addEventListener('resize', function () { ArbCharts.resizeAll(charts); });
  window.reportCharts = charts;
  document.body.setAttribute('data-charts', String(charts.length));
})();
`;

export function renderReport(data: ReportData, summary: RunSummary, opts: ReportOptions): string {
  const lib = chartLibrary();
  const money = new Money(moneyDigits(summary));
  const venues = [...new Set(opts.settings.pairs.flatMap((p) => [p.dexA, p.dexB]))];
  const spanStart = summary.firstEventAt ?? opts.startedAt;
  const spanEnd = Math.max(summary.lastEventAt ?? opts.endedAt, spanStart + 1);
  const pairs = pagePairs(data, opts.settings);
  const page: PageData = {
    spanStart,
    spanEnd,
    moneyDigits: money.digits,
    pairs,
    equity: {
      realisedNet: compact(data.equity.realisedNet),
      netIfClosedNow: compact(data.equity.netIfClosedNow),
      fees: compact(data.equity.fees),
      funding: compact(data.equity.funding),
      drawdown: { usd: summary.maxDrawdownUsd, from: summary.maxDrawdownFrom ?? null, to: summary.maxDrawdownTo ?? null },
    },
  };
  const pairNames = opts.settings.pairs.map((p) => p.pair).join(', ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(opts.title)}</title>
<style>${lib.css}</style>
<style>${PAGE_CSS}</style>
</head><body><main>
<header><h1>${esc(opts.title)}</h1>
<p>${esc(pairNames)} · ${utcTime(spanStart, true)} → ${utcTime(spanEnd, true)} UTC (${duration(spanEnd - spanStart)}) · ${esc(opts.settings.mode)} mode${opts.settings.mode === 'sim' && opts.settings.seed !== undefined ? ` · seed ${opts.settings.seed}` : ''}${opts.runDir ? ` · ${esc(opts.runDir)}` : ''}</p>${summary.lossBudget ? `\n<p id="loss-budget">${esc(lossBudgetLine(lossBudgetView(summary.lossBudget)))}</p>` : ''}</header>
${cards(summary, money)}
<div class="row">${summaryBlock(summary)}${settingsBlock(opts.settings, opts)}</div>
${chartsBlock(pairs)}
${tradesBlock(summary, venues, money)}
${opts.extraSections ?? ''}
${eventsBlock(data)}
<footer>Charts drawn by ${lib.name} ${esc(lib.version)} (${esc(lib.license)}), inlined: this page needs no network. Times are UTC.</footer>
</main>
<script>${scriptText(lib.script)}</script>
<script>${scriptText(CHARTS_SCRIPT)}</script>
<script type="application/json" id="report-data">${jsonScriptText(redactStrings(page))}</script>
<script>${BOOT_SCRIPT}</script>
</body></html>
`;
}

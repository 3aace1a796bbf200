/**
 * Self-contained run report (pure): an inline-SVG chart of entry and exit spreads over time with the
 * thresholds and a marker at each entry and exit, plus the trade table. No scripts, no external assets.
 */
import type { TradingEvent } from '../domain/events';
import type { RunSummary } from './summary';

export interface ReportOptions {
  title: string;
  mode: string;
  /** Per pair: the entry threshold (net, percent), the round-trip fee in percent, and the exit target. */
  thresholds: Record<string, { entryNet: number; roundTripFeePct: number; exit: number }>;
  startedAt: number;
  endedAt: number;
}

const W = 960;
const H = 320;
const PAD = { l: 64, r: 16, t: 16, b: 36 };

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

interface Sample {
  t: number;
  entry?: number;
  /** Exit spread of the position open at this sample, if any. */
  exit?: number;
}

function pairChart(pair: string, log: readonly TradingEvent[], opts: ReportOptions): string {
  const samples: Sample[] = [];
  const entries: { t: number; v: number; label: string }[] = [];
  const exits: { t: number; v: number; label: string }[] = [];
  // The exit spread of an AOverB position is, by formula, the BOverA entry spread (and vice versa), so the
  // chart shows the best entry spread throughout and the open position's own exit spread while it is held.
  let holding: 'AOverB' | 'BOverA' | undefined;
  for (const e of log) {
    if (e.type === 'POSITION_OPENED' && e.pair === pair) holding = e.direction;
    else if (e.type === 'POSITION_CLOSED' && e.pair === pair) holding = undefined;
    else if (e.type === 'SPREAD_MONITORING' && e.pair === pair) {
      const best = Math.max(e.entryAOverB ?? -Infinity, e.entryBOverA ?? -Infinity);
      const exit = holding === 'AOverB' ? e.exitAOverB : holding === 'BOverA' ? e.exitBOverA : undefined;
      samples.push({ t: e.time, ...(Number.isFinite(best) ? { entry: best } : {}), ...(exit !== undefined ? { exit } : {}) });
    } else if (e.type === 'TRADE_ENTRY' && e.pair === pair) {
      entries.push({ t: e.time, v: e.entrySpread, label: `entry ${e.direction} ${e.entrySpread.toFixed(4)}%` });
    } else if (e.type === 'TRADE_EXIT' && e.pair === pair) {
      exits.push({ t: e.time, v: e.exitSpread, label: `exit ${e.exitSpread.toFixed(4)}% (poll ${e.polls})` });
    }
  }
  const th = opts.thresholds[pair];
  const grossEntryLine = th ? th.entryNet + th.roundTripFeePct : undefined;
  const values = [
    ...samples.flatMap((s) => [s.entry, s.exit]),
    ...entries.map((m) => m.v),
    ...exits.map((m) => m.v),
    grossEntryLine,
    th?.exit,
  ].filter((v): v is number => v !== undefined && Number.isFinite(v));
  if (samples.length === 0 || values.length === 0) return `<p>No spread samples for ${esc(pair)}.</p>`;
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi - lo < 1e-9) {
    lo -= 0.05;
    hi += 0.05;
  }
  const margin = (hi - lo) * 0.08;
  lo -= margin;
  hi += margin;
  const t0 = opts.startedAt;
  const t1 = Math.max(opts.endedAt, t0 + 1);
  const x = (t: number) => PAD.l + ((t - t0) / (t1 - t0)) * (W - PAD.l - PAD.r);
  const y = (v: number) => PAD.t + (1 - (v - lo) / (hi - lo)) * (H - PAD.t - PAD.b);
  const path = (pick: (s: Sample) => number | undefined) => {
    let d = '';
    let pen = false;
    for (const s of samples) {
      const v = pick(s);
      if (v === undefined) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${x(s.t).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    }
    return d;
  };
  const hline = (v: number | undefined, color: string, label: string) =>
    v === undefined
      ? ''
      : `<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="${color}" stroke-dasharray="6 4"/>` +
        `<text x="${W - PAD.r - 4}" y="${(y(v) - 4).toFixed(1)}" text-anchor="end" fill="${color}" font-size="11">${esc(label)}</text>`;
  const ticks = 5;
  const yAxis = Array.from({ length: ticks + 1 }, (_, i) => lo + ((hi - lo) * i) / ticks)
    .map(
      (v) =>
        `<line x1="${PAD.l - 4}" x2="${W - PAD.r}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#eee"/>` +
        `<text x="${PAD.l - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#555">${v.toFixed(3)}%</text>`,
    )
    .join('');
  const xAxis = Array.from({ length: 6 }, (_, i) => t0 + ((t1 - t0) * i) / 5)
    .map(
      (t) =>
        `<text x="${x(t).toFixed(1)}" y="${H - 12}" text-anchor="middle" font-size="11" fill="#555">${((t - t0) / 1000).toFixed(0)} s</text>`,
    )
    .join('');
  const marker = (m: { t: number; v: number; label: string }, color: string, shape: 'up' | 'down') => {
    const cx = x(m.t);
    const cy = y(m.v);
    const pts = shape === 'up' ? `${cx},${cy - 7} ${cx - 6},${cy + 5} ${cx + 6},${cy + 5}` : `${cx},${cy + 7} ${cx - 6},${cy - 5} ${cx + 6},${cy - 5}`;
    return `<polygon points="${pts}" fill="${color}" stroke="#000" stroke-width="0.5"><title>${esc(m.label)}</title></polygon>`;
  };
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="spreads for ${esc(pair)}">
<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>
${yAxis}${xAxis}
<path d="${path((s) => s.entry)}" fill="none" stroke="#1f77b4" stroke-width="1.4"/>
<path d="${path((s) => s.exit)}" fill="none" stroke="#d62728" stroke-width="1.4"/>
${hline(grossEntryLine, '#1f77b4', `entry threshold (gross, incl. fees) ${grossEntryLine?.toFixed(3)}%`)}
${hline(th?.exit, '#d62728', `exit target ${th?.exit.toFixed(3)}%`)}
${entries.map((m) => marker(m, '#1f77b4', 'up')).join('')}
${exits.map((m) => marker(m, '#d62728', 'down')).join('')}
</svg>
<p class="legend"><span style="color:#1f77b4">■ best entry spread (gross)</span> <span style="color:#d62728">■ exit spread of the open position</span> ▲ entry ▼ exit; lines are periodic samples, markers are at the deciding tick</p>`;
}

function money(v: number): string {
  return `${v < 0 ? '-' : ''}$${Math.abs(v).toFixed(2)}`;
}

export function renderReport(log: readonly TradingEvent[], summary: RunSummary, opts: ReportOptions): string {
  const pairs = Object.keys(opts.thresholds);
  const rows = summary.trades
    .map(
      (t, i) => `<tr><td>${i + 1}</td><td>${esc(t.pair)}</td><td>${t.direction}</td><td>${new Date(t.openedAt).toISOString()}</td>
<td>${((t.closedAt - t.openedAt) / 1000).toFixed(1)} s</td><td>${t.entrySpread.toFixed(4)}%</td><td>${Number.isFinite(t.exitSpread) ? t.exitSpread.toFixed(4) + '%' : 'n/a'}</td>
<td>${money(t.grossPnlUsd)}</td><td>${money(t.feesUsd)}</td><td class="${t.netPnlUsd >= 0 ? 'pos' : 'neg'}">${money(t.netPnlUsd)}</td></tr>`,
    )
    .join('\n');
  const kv: [string, string][] = [
    ['Mode', opts.mode],
    ['Round trips', String(summary.roundTrips)],
    ['Opened / closed / open at exit', `${summary.opened} / ${summary.closed} / ${summary.openAtExit}`],
    ['Win rate', summary.roundTrips ? `${(summary.winRate * 100).toFixed(1)} %` : 'n/a'],
    ['Gross PnL', money(summary.grossPnlUsd)],
    ['Fees', summary.feesUsd < 0 ? `${money(summary.feesUsd)} (net rebate received)` : money(summary.feesUsd)],
    ['Net PnL', money(summary.netPnlUsd)],
    ['Signal→fill p50 / p99', `${summary.signalToFillP50Ms?.toFixed(1) ?? 'n/a'} ms / ${summary.signalToFillP99Ms?.toFixed(1) ?? 'n/a'} ms`],
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(opts.title)}</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222;max-width:1000px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:4px 8px;text-align:right}
th{background:#f5f5f5}td:nth-child(2),td:nth-child(3){text-align:left}
.pos{color:#137333}.neg{color:#b3261e}.legend{font-size:12px;color:#444}
.kv td:first-child{text-align:left;font-weight:600}
</style></head><body>
<h1>${esc(opts.title)}</h1>
<p>${new Date(opts.startedAt).toISOString()} → ${new Date(opts.endedAt).toISOString()}</p>
<table class="kv">${kv.map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(v)}</td></tr>`).join('')}</table>
${pairs.map((p) => `<h2>${esc(p)}: spreads over time</h2>\n${pairChart(p, log, opts)}`).join('\n')}
<h2>Trades</h2>
${summary.trades.length === 0 ? '<p>No completed round trips.</p>' : `<table><tr><th>#</th><th>Pair</th><th>Direction</th><th>Opened</th><th>Hold</th><th>Entry</th><th>Exit</th><th>Gross</th><th>Fees</th><th>Net</th></tr>\n${rows}</table>`}
</body></html>
`;
}

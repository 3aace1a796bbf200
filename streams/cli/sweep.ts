/**
 * Parameter sweep over a recording (`replay --data DIR --sweep 'bots[0].spread_entry=0.04..0.12:0.01,...'`):
 * every point of the grid is one replay (the same code as `replay`), run on worker threads, one per core
 * by default; the results go to sweep.csv and sweep.html (table sorted by net PnL, heatmap of net PnL
 * over the first two swept parameters).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { parseConfigObject } from '../../src/config';
import { ConfigError } from '../../src/config/errors';
import { type RunOptions, startRun } from './run';
import type { SweepWorkerMessage } from './sweep-worker';
import { cpuSince, nowMs, processThreadsCpuMs, threadCpu, type SweepTrace } from './sweep-timing';
import { workerScript } from './worker-script';

export interface SweepAxis {
  /** Config path as in the YAML, e.g. `bots[0].spread_entry`. */
  readonly path: string;
  readonly values: readonly number[];
}

export class SweepSpecError extends Error {}

/** `path=from..to:step` axes, comma-separated; values are rounded to the step's decimals. */
export function parseSweepSpec(spec: string): SweepAxis[] {
  const axes = spec.split(',').map((part): SweepAxis => {
    const m = /^\s*([A-Za-z_][\w]*(?:\[\d+\])?(?:\.[A-Za-z_]\w*(?:\[\d+\])?)*)\s*=\s*(-?[\d.]+)\s*\.\.\s*(-?[\d.]+)\s*:\s*([\d.]+)\s*$/.exec(part);
    if (!m) throw new SweepSpecError(`--sweep: ${JSON.stringify(part)} must be path=from..to:step, e.g. bots[0].spread_entry=0.04..0.12:0.01`);
    const [from, to, step] = [Number(m[2]), Number(m[3]), Number(m[4])];
    if (![from, to, step].every(Number.isFinite) || !(step > 0)) throw new SweepSpecError(`--sweep: ${m[1]}: step must be a number > 0, got ${JSON.stringify(m[4])}`);
    if (to < from) throw new SweepSpecError(`--sweep: ${m[1]}: ${to} is below ${from}`);
    const decimals = (m[4]!.split('.')[1] ?? '').length;
    const values: number[] = [];
    for (let i = 0; from + i * step <= to + step * 1e-9; i++) values.push(Number((from + i * step).toFixed(decimals)));
    if (values.length > 1_000) throw new SweepSpecError(`--sweep: ${m[1]}: ${values.length} values; at most 1000 per axis`);
    return { path: m[1]!, values };
  });
  const points = axes.reduce((n, a) => n * a.values.length, 1);
  if (points > 10_000) throw new SweepSpecError(`--sweep: ${points} grid points; at most 10000`);
  return axes;
}

/** Every combination, the first axis slowest. */
export function gridPoints(axes: readonly SweepAxis[]): number[][] {
  return axes.reduce<number[][]>((acc, axis) => acc.flatMap((p) => axis.values.map((v) => [...p, v])), [[]]);
}

/** A copy of the raw config with `value` at `configPath` (`bots[0].spread_entry`). */
export function withValue(raw: unknown, configPath: string, value: number): unknown {
  const copy = structuredClone(raw) as Record<string, unknown>;
  const keys = configPath.split('.').flatMap((k) => {
    const m = /^(\w+)\[(\d+)\]$/.exec(k);
    return m ? [m[1]!, Number(m[2])] : [k];
  });
  let at: Record<string | number, unknown> = copy;
  keys.forEach((k, i) => {
    if (i === keys.length - 1) at[k] = value;
    else {
      if (at[k] === undefined || at[k] === null) at[k] = typeof keys[i + 1] === 'number' ? [] : {};
      at = at[k] as Record<string | number, unknown>;
    }
  });
  return copy;
}

/** One grid point's outcome. */
export interface SweepRow {
  readonly values: readonly number[];
  /** Why the point was not run (the config it makes is invalid), or failed. */
  readonly skipped?: string;
  readonly roundTrips?: number;
  readonly winRate?: number;
  readonly netPnlUsd?: number;
  readonly grossPnlUsd?: number;
  readonly feesUsd?: number;
  readonly fundingUsd?: number;
  readonly maxDrawdownUsd?: number;
  readonly openAtExit?: number;
}

export interface SweepJob {
  readonly rawConfig: unknown;
  readonly dataDir: string;
  readonly latencyMs: number;
  readonly sampleMs?: number;
  readonly runsDir: string;
}

/**
 * One point's replay: the options a worker runs it with, and the report's replay of the best point (so the report
 * shows exactly the run the table's row came from).
 */
export function pointRunOptions(job: SweepJob, rawConfig: unknown, runsDir: string): RunOptions {
  return {
    mode: 'replay',
    config: parseConfigObject(rawConfig).config,
    seed: 1,
    ...(job.sampleMs !== undefined ? { sampleMs: job.sampleMs } : {}),
    closeOnExit: true,
    runsDir,
    logLevel: 'warn',
    replay: { dataDir: job.dataDir, latencyMs: job.latencyMs },
  };
}

/**
 * Runs the grid on `workers` threads (default: the cores); rows in grid order. Each worker takes the next
 * point as soon as it has answered the last. With `trace`, fills it with the sweep's timeline (sweep-timing.ts).
 */
export async function runSweep(axes: readonly SweepAxis[], job: SweepJob, workers = os.availableParallelism(), trace?: SweepTrace): Promise<SweepRow[]> {
  const startedAt = nowMs();
  const mainCpu0 = trace ? threadCpu() : undefined;
  const threads0 = trace ? processThreadsCpuMs() : undefined;
  const { points, rows, pending } = preparePoints(axes, job);
  // Compiled once for all workers (from TypeScript: transpiled once and cached), so a worker starts in a moment.
  const { file, execArgv } = workerScript(path.join(__dirname, `sweep-worker${path.extname(__filename)}`));
  const workerTids: number[] = [];
  const lane = async (_: unknown, id: number): Promise<void> => {
    const createdAt = nowMs();
    const worker = new Worker(file, { execArgv });
    let ready: Extract<SweepWorkerMessage, { kind: 'ready' }> | undefined;
    let readyAt: number | undefined;
    let answer: { resolve: (m: Extract<SweepWorkerMessage, { kind: 'row' }>) => void; reject: (e: unknown) => void } | undefined;
    worker.on('message', (m: SweepWorkerMessage) => {
      if (m.kind === 'ready') {
        ready = m;
        readyAt = nowMs();
      } else answer?.resolve(m);
    });
    // A worker that fails or ends fails the point it holds, or the next one it is handed.
    let failure: unknown;
    const fail = (e: unknown) => {
      failure ??= e;
      answer?.reject(failure);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`sweep worker ${id} exited (code ${code})`)));
    try {
      for (let next = pending.shift(); next !== undefined; next = pending.shift()) {
        const { index, raw } = next;
        const dispatchedAt = nowMs();
        const m = await new Promise<Extract<SweepWorkerMessage, { kind: 'row' }>>((resolve, reject) => {
          answer = { resolve, reject };
          if (failure !== undefined) reject(failure);
          else worker.postMessage({ ...job, rawConfig: raw, runsDir: path.join(job.runsDir, `point-${String(index).padStart(4, '0')}`) });
        });
        answer = undefined;
        rows[index] = { values: points[index]!, ...m.row };
        trace?.points.push({ index, worker: id, dispatchedAt, receivedAt: nowMs(), ...m.timing });
      }
    } finally {
      if (trace && ready?.tid !== undefined) workerTids.push(ready.tid);
      worker.removeAllListeners('exit');
      await worker.terminate();
      trace?.workers.push({ worker: id, createdAt, ...(readyAt !== undefined ? { readyAt } : {}), ...(ready?.cpu ? { startCpu: ready.cpu } : {}), ...(ready?.tid !== undefined ? { tid: ready.tid } : {}), endedAt: nowMs() });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(workers, pending.length)) }, lane));
  if (trace) {
    trace.startedAt = startedAt;
    trace.endedAt = nowMs();
    trace.mainCpu = cpuSince(mainCpu0, threadCpu());
    trace.helperThreadsCpuMs = helperCpuMs(threads0!, processThreadsCpuMs(), [process.pid, ...workerTids]);
    trace.workers.sort((a, b) => a.worker - b.worker);
  }
  return rows;
}

/** Each grid point's raw config; a point whose config is invalid gets its row (skipped, why) at once. */
function preparePoints(axes: readonly SweepAxis[], job: SweepJob): { points: number[][]; rows: SweepRow[]; pending: { index: number; raw: unknown }[] } {
  const points = gridPoints(axes);
  const rows: SweepRow[] = new Array(points.length);
  const pending: { index: number; raw: unknown }[] = [];
  points.forEach((values, index) => {
    const raw = axes.reduce((r, a, i) => withValue(r, a.path, values[i]!), job.rawConfig);
    try {
      parseConfigObject(raw);
      pending.push({ index, raw });
    } catch (e) {
      rows[index] = { values, skipped: e instanceof ConfigError ? e.message.replace(/\s+/g, ' ') : String(e) };
    }
  });
  return { points, rows, pending };
}

/** CPU time between two readings of the process's threads, of the threads other than `own` (main, workers). */
function helperCpuMs(from: Map<number, number>, to: Map<number, number>, own: readonly number[]): number {
  const skip = new Set(own);
  let ms = 0;
  for (const [tid, cpu] of to) if (!skip.has(tid)) ms += cpu - (from.get(tid) ?? 0);
  return ms;
}

const byNetPnl = (a: SweepRow, b: SweepRow): number => (b.netPnlUsd ?? Number.NEGATIVE_INFINITY) - (a.netPnlUsd ?? Number.NEGATIVE_INFINITY);

const COLUMNS = ['round_trips', 'win_rate', 'net_pnl_usd', 'gross_pnl_usd', 'fees_usd', 'funding_usd', 'max_drawdown_usd', 'open_at_exit', 'skipped'];

function cells(r: SweepRow): string[] {
  const n = (v: number | undefined, d = 4) => (v === undefined ? '' : v.toFixed(d));
  return [String(r.roundTrips ?? ''), n(r.winRate, 3), n(r.netPnlUsd), n(r.grossPnlUsd), n(r.feesUsd), n(r.fundingUsd), n(r.maxDrawdownUsd), String(r.openAtExit ?? ''), r.skipped ?? ''];
}

/** CSV sorted by net PnL (realised, after fees and funding), best first. */
export function sweepCsv(axes: readonly SweepAxis[], rows: readonly SweepRow[]): string {
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const head = [...axes.map((a) => a.path), ...COLUMNS].map(quote).join(',');
  return `${[head, ...[...rows].sort(byNetPnl).map((r) => [...r.values.map(String), ...cells(r)].map(quote).join(','))].join('\n')}\n`;
}

/** A text table of the best `limit` points, for the console and the closing note. */
export function sweepTable(axes: readonly SweepAxis[], rows: readonly SweepRow[], limit = 15): string {
  const head = [...axes.map((a) => a.path), 'trips', 'win', 'net $', 'fees $', 'funding $', 'max DD $'];
  const body = [...rows]
    .filter((r) => r.skipped === undefined)
    .sort(byNetPnl)
    .slice(0, limit)
    .map((r) => [...r.values.map(String), String(r.roundTrips), `${((r.winRate ?? 0) * 100).toFixed(0)}%`, r.netPnlUsd!.toFixed(4), r.feesUsd!.toFixed(4), r.fundingUsd!.toFixed(4), r.maxDrawdownUsd!.toFixed(4)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cols: string[]) => cols.map((c, i) => c.padStart(widths[i]!)).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** What a sweep's table says about its data and fills. */
export interface SweepMeta {
  readonly dataDir: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly latencyMs: number;
  /** Whether the data holds the funding its run read (replay.ts RecordingIndex.funding); unknown: not said. */
  readonly funding?: { readonly status: 'recorded' } | { readonly status: 'not recorded'; readonly reason: string };
}

function fundingWords(meta: SweepMeta): string {
  if (meta.funding === undefined) return '';
  return meta.funding.status === 'recorded'
    ? ' Funding: replayed as recorded (carry in the entry edge, index differences in the PnL).'
    : ` Funding: NOT RECORDED in this data (${esc(meta.funding.reason)}): no carry counted, and the funding column counts none (not a zero).`;
}

function sweepIntro(meta: SweepMeta): string {
  return `<p>Data: ${esc(meta.dataDir)}, ${esc(new Date(meta.fromMs).toISOString())} → ${esc(new Date(meta.toMs).toISOString())}; fills: VWAP of the recorded book ${meta.latencyMs} ms after the order, taker fees as recorded.
Net PnL = realised gross − fees + funding, USD; max drawdown of "net if closed now".${fundingWords(meta)}</p>`;
}

function sortedTable(axes: readonly SweepAxis[], rows: readonly SweepRow[], attrs = ''): string {
  return `<table${attrs}><thead><tr>${[...axes.map((a) => a.path), ...COLUMNS].map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${[...rows]
    .sort(byNetPnl)
    .map((r) => `<tr>${[...r.values.map(String), ...cells(r)].map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** The sweep page: parameters, the sorted table and a heatmap of net PnL over the first two axes. */
export function sweepHtml(axes: readonly SweepAxis[], rows: readonly SweepRow[], meta: SweepMeta): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>sweep</title><style>
body{font:13px system-ui,sans-serif;margin:20px}table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}
</style></head><body><h1>Parameter sweep</h1>
${sweepIntro(meta)}
${axes.length >= 2 ? heatmap(axes, rows) : ''}<h2>All points, best net PnL first</h2>${sortedTable(axes, rows)}</body></html>\n`;
}

/**
 * The sweep as a panel of a run's report (report.html): every point best net PnL first, with round trips,
 * win rate, fees, funding and max drawdown, and the heatmap of net PnL over the first two parameters.
 */
export function sweepSection(axes: readonly SweepAxis[], rows: readonly SweepRow[], meta: SweepMeta, best?: SweepRow): string {
  const run = rows.filter((r) => r.skipped === undefined).length;
  const bestText = best ? `This report is the replay of the best point: ${axes.map((a, i) => `${esc(a.path)} = ${best.values[i]}`).join(', ')}. ` : '';
  return `<section class="panel" id="sweep"><h2>Parameter sweep <span class="hint">${rows.length} points, ${run} replayed, best net PnL first</span></h2>
<p class="dim">${bestText}</p>${sweepIntro(meta)}
${axes.length >= 2 ? `<div id="sweep-heatmap">${heatmap(axes, rows)}</div>` : ''}
<div class="scroll">${sortedTable(axes, rows, ' class="grid small" id="sweep-table"')}</div></section>`;
}

function heatmap(axes: readonly SweepAxis[], rows: readonly SweepRow[]): string {
  const [x, y] = [axes[0]!, axes[1]!];
  const cell = new Map(rows.map((r) => [`${r.values[0]}|${r.values[1]}`, r]));
  const nets = rows.flatMap((r) => (r.netPnlUsd === undefined ? [] : [r.netPnlUsd]));
  const span = Math.max(1e-12, ...nets.map(Math.abs));
  const colour = (v: number) => (v >= 0 ? `rgba(0,150,60,${(0.15 + 0.85 * (v / span)).toFixed(2)})` : `rgba(200,30,30,${(0.15 + 0.85 * (-v / span)).toFixed(2)})`);
  const body = y.values
    .map((yv) => {
      const tds = x.values.map((xv) => {
        // Other axes beyond the first two: the best point for this pair of values.
        const best = rows.filter((r) => r.values[0] === xv && r.values[1] === yv && r.netPnlUsd !== undefined).sort(byNetPnl)[0] ?? cell.get(`${xv}|${yv}`);
        return best?.netPnlUsd === undefined ? '<td title="not run">–</td>' : `<td style="background:${colour(best.netPnlUsd)}" title="${best.roundTrips} round trips">${best.netPnlUsd.toFixed(2)}</td>`;
      });
      return `<tr><th>${yv}</th>${tds.join('')}</tr>`;
    })
    .join('');
  return `<h2>Net PnL heatmap (USD)</h2><p>columns: ${esc(x.path)}, rows: ${esc(y.path)}</p><table><tr><th></th>${x.values.map((v) => `<th>${v}</th>`).join('')}</tr>${body}</table>`;
}

/**
 * report.html for a sweep: the best point replayed again in this process (the same replay as its worker
 * ran: deterministic), so the report has its equity curve, drawdown, trades, parameters and data span, with
 * the sweep's table and heatmap as a panel. Undefined when no point could be replayed.
 */
export async function writeSweepReport(dir: string, axes: readonly SweepAxis[], rows: readonly SweepRow[], job: SweepJob, meta: SweepMeta): Promise<string | undefined> {
  const best = [...rows].filter((r) => r.skipped === undefined).sort(byNetPnl)[0];
  if (best === undefined) return undefined;
  const raw = axes.reduce((r, a, i) => withValue(r, a.path, best.values[i]!), job.rawConfig);
  const result = await startRun({ ...pointRunOptions(job, raw, path.join(dir, 'best')), reportSections: sweepSection(axes, rows, meta, best) }).done;
  const report = path.join(dir, 'report.html');
  fs.copyFileSync(result.reportPath, report);
  return report;
}

/** Writes sweep.csv and sweep.html into `dir`. */
export function writeSweep(dir: string, axes: readonly SweepAxis[], rows: readonly SweepRow[], meta: SweepMeta): { csv: string; html: string } {
  fs.mkdirSync(dir, { recursive: true });
  const csv = path.join(dir, 'sweep.csv');
  const html = path.join(dir, 'sweep.html');
  fs.writeFileSync(csv, sweepCsv(axes, rows));
  fs.writeFileSync(html, sweepHtml(axes, rows, meta));
  return { csv, html };
}

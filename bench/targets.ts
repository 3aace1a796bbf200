/** The issue's performance targets and the report table. */

export type BenchFigures = Record<string, number>;

export interface Target {
  /** Key in targetsMet (and in the figures). */
  readonly key: string;
  readonly label: string;
  readonly compare: '>=' | '<=';
  readonly goal: number;
  readonly unit: string;
}

export const TARGETS: readonly Target[] = [
  { key: 'sbeFramesPerSec', label: 'SBE 15+15 frames decoded + applied', compare: '>=', goal: 1_000_000, unit: '/s' },
  { key: 'sbeVsJson', label: 'SBE vs JSON decode + apply', compare: '>=', goal: 10, unit: '×' },
  { key: 'jsonVsFloor', label: 'JSON decode + apply vs bare JSON.parse', compare: '>=', goal: 0.8, unit: '×' },
  { key: 'pipelineVsParse', label: 'tick through pipeline vs one JSON.parse', compare: '<=', goal: 0.05, unit: '×' },
  { key: 'paradexSignMs', label: 'Paradex order hash + sign', compare: '<=', goal: 1, unit: 'ms' },
  { key: 'paradexSignSpeedup', label: 'Paradex signing vs starknet.js', compare: '>=', goal: 20, unit: '×' },
  { key: 'tickToOrderVsFloorP50', label: 'exit tick → both orders vs the floor, p50', compare: '<=', goal: 1.25, unit: '×' },
  { key: 'tickToOrderVsFloorP99', label: 'exit tick → both orders vs the floor, p99', compare: '<=', goal: 1.5, unit: '×' },
  { key: 'tickToOrderSampledP99Ms', label: 'exit tick → both orders, p99 (sampleMs 25)', compare: '<=', goal: 27, unit: 'ms' },
  { key: 'rssGrowthMb', label: 'RSS growth, 1M updates + 10k round trips', compare: '<=', goal: 10, unit: 'MB' },
  { key: 'holdHeapSlopeMbPerHour', label: 'heap slope holding a position, 1 simulated hour', compare: '<=', goal: 1, unit: 'MB/h' },
  { key: 'replaySpeedup', label: 'replay of a two-pair recording vs real time', compare: '>=', goal: 100, unit: '×' },
];

/** Derived figures the targets need. */
export function derive(figures: BenchFigures): BenchFigures {
  const out = { ...figures };
  if (figures['sbeFramesPerSec'] !== undefined && figures['jsonFramesPerSec'] !== undefined) {
    out['sbeVsJson'] = figures['sbeFramesPerSec'] / figures['jsonFramesPerSec'];
  }
  return out;
}

/** One boolean per target whose figure was measured in this run. */
export function targetsMet(figures: BenchFigures): Record<string, boolean> {
  const met: Record<string, boolean> = {};
  for (const t of TARGETS) {
    const v = figures[t.key];
    if (v === undefined) continue;
    met[t.key] = Number.isFinite(v) && (t.compare === '>=' ? v >= t.goal : v <= t.goal);
  }
  return met;
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  if (a >= 100) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

/** The readable report: targets first (measured, target, met), then every other figure. */
export function renderTable(figures: BenchFigures, machine: Record<string, string | number>): string {
  const met = targetsMet(figures);
  const rows: string[][] = [['target', 'key', 'measured', 'goal', 'met']];
  for (const t of TARGETS) {
    const v = figures[t.key];
    if (v === undefined) continue;
    rows.push([t.label, t.key, `${formatNumber(v)} ${t.unit}`, `${t.compare} ${formatNumber(t.goal)} ${t.unit}`, met[t.key] ? 'yes' : 'NO']);
  }
  const targetKeys = new Set(TARGETS.map((t) => t.key));
  const other = Object.keys(figures)
    .filter((k) => !targetKeys.has(k))
    .map((k) => ['', k, formatNumber(figures[k]!), '', '']);
  const all = [...rows, ...other];
  const widths = all[0]!.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  const line = (r: string[]): string => r.map((cell, c) => (c === 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const out = [line(rows[0]!), rule, ...rows.slice(1).map(line)];
  if (other.length > 0) out.push('', 'other figures', rule, ...other.map(line));
  out.push('', `machine: ${Object.entries(machine).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  return out.join('\n');
}

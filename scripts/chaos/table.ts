/**
 * The campaign's report: one summary table (the figures the issue asks for), a breakdown by case,
 * and one paragraph per bad trial naming the stage, the fault and what was left at the venues.
 * Pure: results in, text out.
 */
import type { TrialOutcome } from './classify';
import { describeTrial, type Trial } from './plan';

export interface TrialResult {
  readonly trial: Trial;
  readonly outcome: TrialOutcome;
  readonly ms: number;
}

export interface CampaignSummary {
  readonly trials: number;
  readonly flatOrMonitored: number;
  readonly unhedged: number;
  readonly lost: number;
  readonly crashes: number;
  readonly hangs: number;
  readonly secrets: number;
  readonly inconclusive: number;
  /** Trials the campaign itself failed in (counted in inconclusive too). */
  readonly harnessErrors: number;
  readonly bad: number;
}

export function summarize(results: readonly TrialResult[]): CampaignSummary {
  const count = (pred: (o: TrialOutcome) => boolean): number => results.filter((r) => pred(r.outcome)).length;
  return {
    trials: results.length,
    flatOrMonitored: count((o) => o.end === 'flat' || o.end === 'hedged-monitored'),
    unhedged: count((o) => o.unhedged),
    lost: count((o) => o.lost),
    crashes: count((o) => o.crashed),
    hangs: count((o) => o.hung),
    secrets: count((o) => o.secrets),
    inconclusive: count((o) => o.inconclusive),
    harnessErrors: count((o) => o.harnessError),
    bad: count((o) => !o.ok),
  };
}

/** Columns padded to their widest cell; numbers right-aligned. */
function grid(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[], numeric: boolean): string =>
    `| ${r.map((c, i) => (numeric && i > 0 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(header, false), rule, ...rows.map((r) => line(r.map(String), true))].join('\n');
}

export function summaryTable(s: CampaignSummary): string {
  return grid(
    ['trials', 'ended flat or hedged+monitored', 'unhedged at rest', 'positions lost', 'crashes', 'hangs', 'secrets found', 'inconclusive'],
    [[s.trials, s.flatOrMonitored, s.unhedged, s.lost, s.crashes, s.hangs, s.secrets, s.inconclusive]],
  );
}

/** One row per case (trial key): how many trials, how many ended well, and each kind of bad outcome. */
export function breakdownTable(results: readonly TrialResult[]): string {
  const groups = new Map<string, TrialResult[]>();
  for (const r of results) {
    const key = r.trial.key;
    const list = groups.get(key) ?? [];
    list.push(r);
    groups.set(key, list);
  }
  const rows = [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, list]) => {
      const s = summarize(list);
      return [key, s.trials, s.trials - s.bad, s.unhedged, s.lost, s.crashes, s.hangs, s.secrets];
    });
  return grid(['case', 'trials', 'ok', 'unhedged', 'lost', 'crash', 'hang', 'secret'], rows);
}

/** One paragraph per bad trial, and per trial that was inconclusive or ended well with notes. */
export function findings(results: readonly TrialResult[]): string {
  return results
    .filter((r) => !r.outcome.ok || r.outcome.problems.length > 0)
    .map((r) => {
      const tag = r.outcome.harnessError ? ' (campaign error)' : r.outcome.ok ? (r.outcome.inconclusive ? ' (inconclusive)' : ' (ok; notes)') : '';
      const head = `#${r.trial.id} ${r.trial.key}: ${describeTrial(r.trial)}${tag}`;
      return [head, ...r.outcome.problems.map((p) => `    - ${p}`)].join('\n');
    })
    .join('\n');
}

export function report(results: readonly TrialResult[], meta: { seed: number; wallMs: number; concurrency: number }): string {
  const s = summarize(results);
  const parts = [
    `chaos: ${s.trials} trials, seed ${meta.seed}, ${meta.concurrency} at a time, ${(meta.wallMs / 1000).toFixed(0)} s`,
    '',
    summaryTable(s),
    '',
    breakdownTable(results),
  ];
  const f = findings(results);
  if (f !== '') parts.push('', 'findings (each: the case, the fault, then what was left; bad unless marked):', f);
  const errors = s.harnessErrors > 0 ? `; the campaign failed in ${s.harnessErrors} trial(s): see "campaign error"` : '';
  parts.push('', `${s.bad === 0 ? 'result: no bad outcome' : `result: ${s.bad} trial(s) with a bad outcome`}${errors}`);
  return parts.join('\n');
}

/**
 * The loss budget (risk.max_loss_usd) in the figures every operator surface shows: the API's /api/status, /metrics,
 * the dashboard and the run report. Worked out once here from the summary's LossBudgetFigures, so they all add up
 * with the summary: `atStartUsd + thisRunUsd = netUsd` (the journals' realised net now, or at the run's end).
 */
import type { LossBudgetFigures } from './summary-types';

export interface LossBudgetView {
  /** risk.max_loss_usd; null: no limit configured. */
  readonly limitUsd: number | null;
  /** The realised net the journals held when the run started (earlier runs), USD; a loss is negative. */
  readonly atStartUsd: number;
  /** The realised net the journals counted during this run, USD. */
  readonly thisRunUsd: number;
  /** The journals' realised net now (atStartUsd + thisRunUsd), USD. */
  readonly netUsd: number;
  /** What the limit leaves before it halts (max(0, limit + net)), USD; null: no limit. */
  readonly leftUsd: number | null;
  /** The budget counts since (ms); null: nothing counted yet. */
  readonly since: number | null;
  /** The net has reached the limit: the limit halts every pair. */
  readonly spent: boolean;
}

export function lossBudgetView(b: LossBudgetFigures): LossBudgetView {
  const limit = b.maxLossUsd;
  return {
    limitUsd: limit ?? null,
    atStartUsd: b.atStartUsd,
    thisRunUsd: b.atEndUsd - b.atStartUsd,
    netUsd: b.atEndUsd,
    leftUsd: limit === undefined ? null : Math.max(0, limit + b.atEndUsd),
    since: b.since ?? null,
    spent: limit !== undefined && b.atEndUsd <= -limit,
  };
}

function usd(v: number): string {
  return `${v < 0 ? '-' : '+'}$${Math.abs(v).toFixed(2)}`;
}

/** One line: "loss budget: $X of $Y left (since …); realised net on record +$a at start, +$b this run". */
export function lossBudgetLine(v: LossBudgetView): string {
  const since = v.since !== null ? ` (since ${new Date(v.since).toISOString()})` : ' (nothing counted yet)';
  const left = v.limitUsd === null ? 'no limit (risk.max_loss_usd not set)' : `$${v.leftUsd!.toFixed(2)} of $${v.limitUsd.toFixed(2)} left${v.spent ? ' — SPENT' : ''}`;
  return `loss budget: ${left}${since}; realised net on record ${usd(v.atStartUsd)} at start ${usd(v.thisRunUsd)} this run = ${usd(v.netUsd)}`;
}

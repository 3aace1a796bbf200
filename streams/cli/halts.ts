/**
 * The operator's side of halts: `npm start -- halts` lists every halt on record with its reason, and
 * `npm start -- resume --pair BTC-PERP` clears one pair's halt once the venues and the journal agree
 * (the same reconciliation the bot runs at start), refusing while they do not, and while the loss budget on
 * record (risk.max_loss_usd, summed over the configured pairs' journals) is spent: `--reset-loss-budget`
 * starts the pair's budget again at zero.
 *
 * Neither sends an order. `halts` reads only the journals; `resume` reads both venues' positions and
 * looks up the orders the journal leaves unconcluded.
 */
import * as fs from 'node:fs';
import type { BotConfig } from '../../src/config';
import { describeProblem, openJournal, type Journal, type JournalState } from '../../src/execution/journal';
import { exposureText } from '../../src/execution/reconcile';
import { acquireJournalLock, JournalInUseError, type JournalLock } from '../../src/execution/journal-lock';
import { acceptFlat } from './accept-flat';
import { journalFile, pairExecutor } from './pair-executor';
import { createVenues, type VenueSetup } from '../venues';

/** One pair's standing, as its journal records it. */
export interface HaltRecord {
  readonly pair: string;
  readonly journal: string;
  /** False when the pair has no journal yet (it never traded from this journal_dir). */
  readonly exists: boolean;
  readonly phase: JournalState['phase'];
  readonly halt?: { readonly reason: string; readonly since: number; readonly until?: number; readonly expired: boolean; readonly reconcile: boolean };
  /** Malformed journal lines (describeProblem), each of which halts the pair at start. */
  readonly problems: readonly string[];
  /** Unhedged exposure recorded by a failed unwind. */
  readonly exposure: readonly string[];
  /** What the loss limit counted of this pair since its budget began (JournalState.lossBudget). */
  readonly lossBudget: JournalState['lossBudget'];
}

/** Opens a pair's journal for reading; undefined when there is none (nothing is created). */
function existingJournal(file: string): Journal | undefined {
  if (!fs.existsSync(file)) return undefined;
  // Never rotate from a command: only the bot rotates, when it starts.
  return openJournal(file, { rotateAboveBytes: 0 });
}

/** Every configured pair's halt on record. */
export function listHalts(config: BotConfig, journalDir: string, now = Date.now()): HaltRecord[] {
  return config.bots.map((bot) => {
    const file = journalFile(journalDir, bot.id);
    const journal = existingJournal(file);
    if (journal === undefined) return { pair: bot.pair, journal: file, exists: false, phase: 'flat', problems: [], exposure: [], lossBudget: { netUsd: 0 } };
    try {
      const state = journal.lastState(bot.pair);
      const h = state.halt;
      return {
        pair: bot.pair,
        journal: file,
        exists: true,
        phase: state.phase,
        ...(h !== undefined
          ? {
              halt: {
                reason: h.reason,
                since: h.time,
                ...(h.until !== undefined ? { until: h.until } : {}),
                expired: h.until !== undefined && h.until <= now,
                reconcile: h.reconcile === true,
              },
            }
          : {}),
        problems: state.problems.map(describeProblem),
        exposure: state.phase === 'exposed' ? (state.exposure ?? []).filter((e) => e.size !== 0).map(exposureText) : [],
        lossBudget: state.lossBudget,
      };
    } finally {
      journal.close();
    }
  });
}

/** True when the pair would not trade at start: a halt still in force, a malformed line, recorded exposure. */
export function isHalted(r: HaltRecord): boolean {
  return (r.halt !== undefined && !r.halt.expired) || r.problems.length > 0 || r.exposure.length > 0;
}

export function haltLines(records: readonly HaltRecord[]): string[] {
  const lines: string[] = [];
  for (const r of records) {
    if (!isHalted(r)) {
      lines.push(`${r.pair}: not halted (${r.exists ? r.phase : 'no journal yet'})`);
      continue;
    }
    const h = r.halt;
    const since = h !== undefined ? ` since ${new Date(h.since).toISOString()}` : '';
    const until =
      h === undefined ? '' : h.reconcile ? ', retried at the next start' : h.until !== undefined ? `, until ${new Date(h.until).toISOString()}` : ', until an operator clears it';
    lines.push(`${r.pair}: HALTED${since}${until} (${r.phase})`);
    if (h !== undefined && !h.expired) lines.push(`  reason: ${h.reason}`);
    for (const p of r.problems) lines.push(`  journal: ${p}`);
    for (const e of r.exposure) lines.push(`  exposure on record: ${e}`);
    lines.push(`  clear with: npm start -- resume --pair ${r.pair}`);
  }
  return lines;
}

/** The loss budget the configured pairs' journals hold (the limit a start begins from), and what is left of it. */
export function lossBudgetOf(records: readonly HaltRecord[], maxLossUsd: number | undefined): { netUsd: number; leftUsd?: number; spent: boolean } {
  const netUsd = records.reduce((sum, r) => sum + r.lossBudget.netUsd, 0);
  if (maxLossUsd === undefined) return { netUsd, spent: false };
  return { netUsd, leftUsd: Math.max(0, maxLossUsd + netUsd), spent: netUsd <= -maxLossUsd };
}

/** The loss budget in words: the total against risk.max_loss_usd, then each pair's share and since when it counts. */
export function lossBudgetLines(records: readonly HaltRecord[], maxLossUsd: number | undefined): string[] {
  const budget = lossBudgetOf(records, maxLossUsd);
  const limit = maxLossUsd === undefined ? 'no risk.max_loss_usd' : `risk.max_loss_usd $${maxLossUsd}: ${budget.spent ? 'SPENT' : `$${budget.leftUsd!.toFixed(2)} left`}`;
  const shares = records.map((r) => {
    const b = r.lossBudget;
    const unknown = b.unknownCloses !== undefined ? ` + ${b.unknownCloses} close(s) outside the bot of UNKNOWN PnL` : '';
    return `${r.pair} ${usdText(b.netUsd)}${unknown}${b.since !== undefined ? ` since ${new Date(b.since).toISOString()}` : ' (nothing counted yet)'}`;
  });
  return [`loss budget: realised net ${usdText(budget.netUsd)} on record (${limit}); ${shares.join(', ')}`];
}

function usdText(v: number): string {
  return `${v < 0 ? '-' : '+'}$${Math.abs(v).toFixed(2)}`;
}

export interface ResumeOptions {
  readonly config: BotConfig;
  readonly pair: string;
  readonly journalDir: string;
  /** How to reach the venues: the same setup the bot run would use. */
  readonly venues: VenueSetup;
  /** Start the pair's loss budget again from zero (`--reset-loss-budget`): the only way to clear a spent budget's halt. */
  readonly resetLossBudget?: boolean;
  /** Accept that the position on record was closed outside the bot (`--accept-flat`; streams/cli/accept-flat.ts). */
  readonly acceptFlat?: boolean;
}

export interface ResumeOutcome {
  /** 0 cleared (or nothing to clear), 1 a venue could not be read, 2 refused: venues and journal disagree (or unknown pair). */
  readonly code: 0 | 1 | 2;
  readonly lines: string[];
}

/**
 * The loss budget as the next start would find it after this resume (the pair's share at $0 with a reset), and the
 * refusal of a plain resume while it is spent: that start would halt again at once.
 */
function budgetAfterResume(records: readonly HaltRecord[], opts: ResumeOptions): { budget: ReturnType<typeof lossBudgetOf>; refused?: ResumeOutcome } {
  const maxLossUsd = opts.config.risk.maxLossUsd;
  const reset = opts.resetLossBudget === true;
  const budget = lossBudgetOf(reset ? records.map((r) => (r.pair === opts.pair ? { ...r, lossBudget: { netUsd: 0 } } : r)) : records, maxLossUsd);
  if (reset || !budget.spent) return { budget };
  const lines = [
    `${opts.pair}: refused: the loss budget on record is spent (realised net ${usdText(budget.netUsd)} <= -$${maxLossUsd}); a start would halt again at once`,
    ...lossBudgetLines(records, maxLossUsd),
    `review the losses, then: npm start -- resume --pair ${opts.pair} --reset-loss-budget (this pair's budget starts again at $0), or raise risk.max_loss_usd`,
  ];
  return { budget, refused: { code: 2, lines } };
}

/**
 * A running bot monitors the position on record: it must not be written off under it. The journal's lock says
 * whether one runs (taken and released at once when none does).
 */
function acceptFlatUnlessRunning(opts: ResumeOptions, journal: Journal, executor: Parameters<typeof acceptFlat>[2], check: Parameters<typeof acceptFlat>[3]): ResumeOutcome {
  let lock: JournalLock;
  try {
    lock = acquireJournalLock(opts.journalDir);
  } catch (err) {
    if (!(err instanceof JournalInUseError)) throw err;
    return { code: 2, lines: [`${opts.pair}: refused: a bot is running on this journal (pid ${err.holder.pid}, started ${err.holder.startedAt}) and monitors the position; stop it, then run resume --accept-flat again`] };
  }
  try {
    return acceptFlat(opts.pair, journal, executor, check);
  } finally {
    lock.release();
  }
}

/** Clears a pair's halt after checking both venues against the journal; refuses while they disagree. */
export async function resumePair(opts: ResumeOptions): Promise<ResumeOutcome> {
  const bot = opts.config.bots.find((b) => b.pair === opts.pair);
  if (bot === undefined) {
    return { code: 2, lines: [`--pair ${opts.pair}: no bot trades it; configured pairs: ${opts.config.bots.map((b) => b.pair).join(', ')}`] };
  }
  const records = listHalts(opts.config, opts.journalDir);
  const record = records.find((r) => r.pair === opts.pair);
  const reset = opts.resetLossBudget === true;
  if (record === undefined || (!isHalted(record) && !((reset || opts.acceptFlat === true) && record.exists))) {
    return { code: 0, lines: [`${opts.pair}: not halted, nothing to clear (${record?.exists ? `journal ${record.journal}` : `no journal at ${record?.journal}`})`] };
  }
  const after = budgetAfterResume(records, opts);
  if (after.refused !== undefined) return after.refused;
  const journal = openJournal(record.journal, { rotateAboveBytes: 0 });
  const trading = await createVenues(opts.venues, { staleAfterMs: opts.config.execution.staleAfterMs, paradexEncoding: opts.config.venues.paradex.encoding });
  try {
    const executor = pairExecutor(opts.config, bot, trading.venues, journal);
    // What the check reads is the venues as of now: a halt a running bot raises after this is not cleared by this resume.
    const checkedAt = Date.now();
    const check = await executor.reconcile({ asIfResumed: true });
    const held = check.holdings?.map(exposureText).join(', ');
    if (check.status === 'unreadable') {
      return { code: 1, lines: [`${opts.pair}: not cleared: ${check.detail}`, 'try again when both venues answer'] };
    }
    if (opts.acceptFlat === true) return acceptFlatUnlessRunning(opts, journal, executor, check);
    if (check.status === 'mismatch') {
      return {
        code: 2,
        lines: [
          `${opts.pair}: refused: the venues and the journal disagree: ${check.detail}`,
          `venues hold: ${held ?? 'unknown'}`,
          'bring the venues in line with the journal (or flat, for exposure on record), then run resume again',
        ],
      };
    }
    executor.clearHalt({ checkedAt, ...(reset ? { resetLossBudget: true } : {}) });
    const was = [...(record.halt !== undefined && !record.halt.expired ? [record.halt.reason] : []), ...record.problems, ...record.exposure.map((e) => `exposure on record: ${e}`)];
    const budget = reset
      ? [
          `loss budget of ${opts.pair} reset: ${usdText(record.lossBudget.netUsd)} counted before is no longer counted; it counts from now`,
          ...(after.budget.spent ? [`the loss budget is still spent by the other pairs (${usdText(after.budget.netUsd)}): reset them too, or a start halts at once`] : []),
        ]
      : [];
    return {
      code: 0,
      lines: [
        was.length > 0 ? `${opts.pair}: halt cleared (was: ${was.join('; ')})` : `${opts.pair}: not halted`,
        ...budget,
        `checked: ${check.detail}; venues hold: ${held ?? 'n/a'}`,
      ],
    };
  } finally {
    await trading.close();
    journal.close();
  }
}

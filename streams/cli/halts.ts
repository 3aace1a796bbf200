/**
 * The operator's side of halts: `npm start -- halts` lists every halt on record with its reason, and
 * `npm start -- resume --pair BTC-PERP` clears one pair's halt once the venues and the journal agree
 * (the same reconciliation the bot runs at start), refusing while they do not.
 *
 * Neither sends an order. `halts` reads only the journals; `resume` reads both venues' positions and
 * looks up the orders the journal leaves unconcluded.
 */
import * as fs from 'node:fs';
import type { BotConfig } from '../../src/config';
import { describeProblem, openJournal, type Journal, type JournalState } from '../../src/execution/journal';
import { exposureText } from '../../src/execution/reconcile';
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
    if (journal === undefined) return { pair: bot.pair, journal: file, exists: false, phase: 'flat', problems: [], exposure: [] };
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

export interface ResumeOptions {
  readonly config: BotConfig;
  readonly pair: string;
  readonly journalDir: string;
  /** How to reach the venues: the same setup the bot run would use. */
  readonly venues: VenueSetup;
}

export interface ResumeOutcome {
  /** 0 cleared (or nothing to clear), 1 a venue could not be read, 2 refused: venues and journal disagree (or unknown pair). */
  readonly code: 0 | 1 | 2;
  readonly lines: string[];
}

/** Clears a pair's halt after checking both venues against the journal; refuses while they disagree. */
export async function resumePair(opts: ResumeOptions): Promise<ResumeOutcome> {
  const bot = opts.config.bots.find((b) => b.pair === opts.pair);
  if (bot === undefined) {
    return { code: 2, lines: [`--pair ${opts.pair}: no bot trades it; configured pairs: ${opts.config.bots.map((b) => b.pair).join(', ')}`] };
  }
  const [record] = listHalts({ ...opts.config, bots: [bot] }, opts.journalDir);
  if (record === undefined || !isHalted(record)) {
    return { code: 0, lines: [`${opts.pair}: not halted, nothing to clear (${record?.exists ? `journal ${record.journal}` : `no journal at ${record?.journal}`})`] };
  }
  const journal = openJournal(record.journal, { rotateAboveBytes: 0 });
  const trading = await createVenues(opts.venues, { staleAfterMs: opts.config.execution.staleAfterMs, paradexEncoding: opts.config.venues.paradex.encoding });
  try {
    const executor = pairExecutor(opts.config, bot, trading.venues, journal);
    const check = await executor.reconcile({ asIfResumed: true });
    const held = check.holdings?.map(exposureText).join(', ');
    if (check.status === 'unreadable') {
      return { code: 1, lines: [`${opts.pair}: not cleared: ${check.detail}`, 'try again when both venues answer'] };
    }
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
    executor.clearHalt();
    const was = [...(record.halt !== undefined && !record.halt.expired ? [record.halt.reason] : []), ...record.problems, ...record.exposure.map((e) => `exposure on record: ${e}`)];
    return {
      code: 0,
      lines: [
        `${opts.pair}: halt cleared (was: ${was.join('; ')})`,
        `checked: ${check.detail}; venues hold: ${held ?? 'n/a'}`,
      ],
    };
  } finally {
    await trading.close();
    journal.close();
  }
}

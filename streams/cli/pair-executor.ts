/**
 * One configured pair's executor and journal, set up the same way for every command (the bot run,
 * `resume`): the reconciliation an operator runs by hand is the one the bot runs at start.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BotConfig, PairConfig } from '../../src/config';
import { type VenueId, venueSymbol } from '../../src/domain/market';
import { takerFeeProblem, type TakerFees } from '../../src/domain/spread';
import { createExecutor, type Executor } from '../../src/execution/executor';
import { openJournal, type Journal } from '../../src/execution/journal';
import type { OrderTimers } from '../../src/execution/order-path';
import type { Logger } from '../../src/logging/logger';
import type { Venue } from '../../src/venues/venue';
import type { PairSettings } from '../bot';

/** Each pair keeps its own journal file, named after the bot id. */
export function journalFile(journalDir: string, botId: string): string {
  return path.join(journalDir, `${botId}.ndjson`);
}

/** The executor's clock: the process's by default; a replay passes its virtual clock and a reproducible id source. */
export interface ExecutorClock {
  readonly now: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly newClientId?: (botId: string) => () => string;
  /** The order deadlines' timers (a replay: its virtual clock's). */
  readonly timers?: OrderTimers;
}

export function pairExecutor(config: BotConfig, bot: PairConfig, venues: Readonly<Record<VenueId, Venue>>, journal: Journal, clock: ExecutorClock = { now: Date.now }): Executor {
  return createExecutor({
    pair: bot.pair,
    venues: { a: venues[bot.dexA], b: venues[bot.dexB] },
    size: bot.positionSize,
    slippagePct: bot.slippagePct,
    maxPositionBase: bot.maxPositionBase,
    maxNotionalUsd: config.risk.maxNotionalUsd,
    leverage: bot.leverage,
    legTimeoutMs: config.execution.legTimeoutMs,
    closeRetries: config.execution.closeRetries,
    closeBackoffMs: config.execution.closeBackoffMs,
    haltCooldownMs: config.risk.haltCooldownSec * 1000,
    spreadThreshold: bot.spreadEntry,
    usdcUsd: config.market.usdcUsd,
    journal,
    now: clock.now,
    ...(clock.sleep ? { sleep: clock.sleep } : {}),
    ...(clock.newClientId ? { newClientId: clock.newClientId(bot.id) } : {}),
    ...(clock.timers ? { timers: clock.timers } : {}),
  });
}

/**
 * How a mode's journals are written. Every mode that can hold a position (live, paper, sim) fsyncs each
 * line before acting; a replay trades a recording with paper fills, holds nothing anywhere, and a re-run
 * rebuilds it, so its journal skips the fsync (it was most of a replay's wall time) and is otherwise the same.
 */
export function journalingFor(mode: string): { readonly durable: boolean } {
  return { durable: mode !== 'replay' };
}

/** Every pair's journal, executor and taker fees, as a run opens them. */
export interface PairSetup {
  readonly journals: readonly Journal[];
  /** Taker fees (fractions) of each pair's venues, by bot id. */
  readonly fees: ReadonlyMap<string, TakerFees>;
}

/**
 * Opens each pair's journal and executor (into `executors`, by bot id, as they are made: a process that must
 * leave during start-up still accounts for them) and reads its venues' taker fees. On a failure the journals
 * opened so far are closed.
 */
export async function openPairs(
  config: BotConfig,
  pairs: readonly PairSettings[],
  venues: Readonly<Record<VenueId, Venue>>,
  journalDir: string,
  logger: Logger,
  executors: Map<string, Executor>,
  clock?: ExecutorClock,
  journaling: { readonly durable: boolean } = { durable: true },
): Promise<PairSetup> {
  fs.mkdirSync(journalDir, { recursive: true });
  const journals: Journal[] = [];
  const fees = new Map<string, TakerFees>();
  try {
    for (const [i, p] of pairs.entries()) {
      fees.set(p.id, await pairFees(p, venues));
      const journal = openJournal(journalFile(journalDir, p.id), {
        durable: journaling.durable,
        onCorruptLine: (c) => logger.warn(`journal ${p.id}: skipped line ${c.line} (${c.reason})`),
        onProblem: (_problem, text) => logger.error(`journal ${p.id}: ${text}; ${p.pair} stays halted until an operator runs npm start -- resume --pair ${p.pair}`),
      });
      journals.push(journal);
      if (journal.rotatedTo !== undefined) logger.info(`journal ${p.id}: all flat, history moved to ${journal.rotatedTo}`);
      executors.set(p.id, pairExecutor(config, config.bots[i]!, venues, journal, clock));
    }
  } catch (err) {
    journals.forEach((j) => j.close());
    throw err;
  }
  return { journals, fees };
}

/** Negative fees are rebates and are traded on; a fee beyond ±1 % is a unit error or a broken answer. */
async function pairFees(p: PairSettings, venues: Readonly<Record<VenueId, Venue>>): Promise<TakerFees> {
  const [specA, specB] = await Promise.all([venues[p.dexA].market(venueSymbol(p.dexA, p.pair)), venues[p.dexB].market(venueSymbol(p.dexB, p.pair))]);
  for (const [venue, spec] of [[p.dexA, specA], [p.dexB, specB]] as const) {
    const problem = takerFeeProblem(spec.takerFee);
    if (problem !== undefined) throw new Error(`${venue} ${spec.symbol}: taker fee ${spec.takerFee} ${problem}; not trading ${p.pair}`);
  }
  return { a: specA.takerFee, b: specB.takerFee };
}

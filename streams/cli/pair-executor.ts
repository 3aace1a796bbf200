/**
 * One configured pair's executor and journal, set up the same way for every command (the bot run,
 * `resume`): the reconciliation an operator runs by hand is the one the bot runs at start.
 */
import * as path from 'node:path';
import type { BotConfig, PairConfig } from '../../src/domain/config';
import type { VenueId } from '../../src/domain/market';
import { createExecutor, type Executor } from '../../src/execution/executor';
import type { Journal } from '../../src/execution/journal';
import type { Venue } from '../../src/venues/venue';

/** Each pair keeps its own journal file, named after the bot id. */
export function journalFile(journalDir: string, botId: string): string {
  return path.join(journalDir, `${botId}.ndjson`);
}

export function pairExecutor(config: BotConfig, bot: PairConfig, venues: Readonly<Record<VenueId, Venue>>, journal: Journal): Executor {
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
    journal,
    now: Date.now,
  });
}

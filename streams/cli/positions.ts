/**
 * `npm start -- positions`: each pair's holdings as its journal says they should be, against what both venues'
 * positions endpoints report, with every mismatch named; and the positions the venues hold on symbols no
 * configured pair trades (placed by hand, or by another bot on this account). Sends no order.
 *
 * The venues are reached as `resume` reaches them: live endpoints and keys from .env, or with --venues the running
 * simulated venues and the sim keys kept beside the journal.
 */
import * as fs from 'node:fs';
import type { BotConfig } from '../../src/config';
import { type VenueId, venueSymbol } from '../../src/domain/market';
import { openJournal } from '../../src/execution/journal';
import { describeSize, expectedHoldings, holdingMismatches } from '../../src/execution/reconcile';
import { errorText } from '../../src/logging/redact';
import type { VenuePosition } from '../../src/venues/venue';
import { createVenues, type VenueSetup } from '../venues';
import { journalFile } from './pair-executor';

export interface PositionsOptions {
  readonly config: BotConfig;
  readonly journalDir: string;
  readonly venues: VenueSetup;
}

export interface PositionsOutcome {
  /** 0 the venues and the journals agree; 1 a venue could not be read; 2 they disagree. */
  readonly code: 0 | 1 | 2;
  readonly lines: string[];
}

/** What the journal expects of one pair (undefined: an entry in flight, which only the bot's restart can settle). */
function journalExpects(config: BotConfig, journalDir: string, bot: BotConfig['bots'][number]): { phase: string; holdings: Record<'a' | 'b', number> | undefined } {
  const file = journalFile(journalDir, bot.id);
  if (!fs.existsSync(file)) return { phase: 'no journal', holdings: { a: 0, b: 0 } };
  const journal = openJournal(file, { rotateAboveBytes: 0 });
  try {
    const state = journal.lastState(bot.pair);
    return { phase: state.phase, holdings: expectedHoldings(state, { a: bot.dexA, b: bot.dexB }) };
  } finally {
    journal.close();
  }
}

export async function checkPositions(opts: PositionsOptions): Promise<PositionsOutcome> {
  const trading = await createVenues(opts.venues, { staleAfterMs: opts.config.execution.staleAfterMs, paradexEncoding: opts.config.venues.paradex.encoding });
  try {
    const held = new Map<VenueId, VenuePosition[] | string>();
    for (const venue of ['vest', 'paradex'] as const) {
      try {
        held.set(venue, await trading.venues[venue].positions());
      } catch (err) {
        held.set(venue, errorText(err));
      }
    }
    return compare(opts, held);
  } finally {
    await trading.close();
  }
}

/** The report, from what each venue answered (a string: why it could not be read). */
export function compare(opts: Pick<PositionsOptions, 'config' | 'journalDir'>, held: ReadonlyMap<VenueId, VenuePosition[] | string>): PositionsOutcome {
  const lines = [`positions: journals in ${opts.journalDir} against both venues`];
  let unreadable = false;
  let mismatch = false;
  const sizeOn = (venue: VenueId, symbol: string): number | undefined => {
    const positions = held.get(venue);
    if (typeof positions === 'string' || positions === undefined) return undefined;
    return positions.filter((p) => p.symbol === symbol).reduce((sum, p) => sum + p.size, 0);
  };
  for (const [venue, positions] of held) {
    if (typeof positions === 'string') {
      unreadable = true;
      lines.push(`  ${venue}: CANNOT READ positions: ${positions}`);
    }
  }
  const traded = new Set<string>();
  for (const bot of opts.config.bots) {
    const names = { a: `${bot.dexA} ${venueSymbol(bot.dexA, bot.pair)}`, b: `${bot.dexB} ${venueSymbol(bot.dexB, bot.pair)}` };
    traded.add(names.a).add(names.b);
    const expected = journalExpects(opts.config, opts.journalDir, bot);
    const actualA = sizeOn(bot.dexA, venueSymbol(bot.dexA, bot.pair));
    const actualB = sizeOn(bot.dexB, venueSymbol(bot.dexB, bot.pair));
    const venuesSay = `${names.a} ${actualA === undefined ? 'unknown' : describeSize(actualA)}, ${names.b} ${actualB === undefined ? 'unknown' : describeSize(actualB)}`;
    if (expected.holdings === undefined) {
      mismatch = true;
      lines.push(`  ${bot.pair}: journal ${expected.phase} (an entry in flight: its orders are settled at the bot's next start); venues: ${venuesSay}`);
      continue;
    }
    const journalSays = `${names.a} ${describeSize(expected.holdings.a)}, ${names.b} ${describeSize(expected.holdings.b)}`;
    if (actualA === undefined || actualB === undefined) {
      lines.push(`  ${bot.pair}: journal (${expected.phase}) expects ${journalSays}; venues: ${venuesSay}: NOT CHECKED`);
      continue;
    }
    const differ = holdingMismatches(expected.holdings, { a: actualA, b: actualB }, names);
    if (differ.length === 0) lines.push(`  ${bot.pair}: ok: ${journalSays} (journal ${expected.phase})`);
    else {
      mismatch = true;
      lines.push(`  ${bot.pair}: MISMATCH (journal ${expected.phase}):`, ...differ.map((d) => `    ${d}`));
    }
  }
  for (const [venue, positions] of held) {
    if (typeof positions === 'string') continue;
    for (const p of positions) {
      if (p.size !== 0 && !traded.has(`${venue} ${p.symbol}`)) lines.push(`  ${venue} ${p.symbol}: ${describeSize(p.size)} held, traded by no configured pair (not this bot's)`);
    }
  }
  if (mismatch) lines.push('a mismatch halts the pair at the bot\'s next start; bring the venues in line with the journal, then `npm start -- resume --pair <pair>`');
  return { code: mismatch ? 2 : unreadable ? 1 : 0, lines };
}

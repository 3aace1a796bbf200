/**
 * A market that can lose (issue 13 point 5), in real time: the bot's default rules against the default simulated
 * market and the venues' default order latency (src/sim/order-latency.ts), no `--sim-model`. Orders are matched
 * tens to hundreds of ms after the decision, against the books of that moment, so some round trips lose.
 *
 * Real time is not deterministic (where a decision falls between two book updates, and so what a fill meets,
 * depends on the machine), so the run is bounded, not its outcome fixed: three markets trade at once and the
 * run stops as soon as it has seen a win and a loss, or after RUN_CAP_SEC. Margin: the market path is seeded
 * and counted in book updates, so the trips are largely the seed's: two full 50 s runs of seed 1 made the same
 * 13 round trips in the same order (BTC, SOL, BTC, ETH, SOL, …) with 4 and 5 losses, the same trips losing
 * (the first, on BTC, by 0.05–0.07 USD, about −0.06 % of its notional). Were the outcomes independent draws at
 * that loss rate (~1/3), 13 trips without a loss would still be a 1 % event; they are not independent draws.
 * (The summary checks, which are what can regress, do not depend on that draw.)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseConfigObject } from '../../../src/config';
import type { TradingEvent } from '../../../src/domain/events';
import { startRun } from '../../../streams/cli/run';

type Closed = Extract<TradingEvent, { type: 'POSITION_CLOSED' }>;

const MIN_EACH = 1;
const RUN_CAP_SEC = 50;

/** Three pairs, each at a size above Paradex's 10 USD minimum; everything else the defaults. */
const THREE_MARKETS = parseConfigObject({
  bots: [
    { pair: 'BTC-PERP', position_size: 0.001 },
    { pair: 'ETH-PERP', position_size: 0.01 },
    { pair: 'SOL-PERP', position_size: 0.1 },
  ],
}).config;

const onTarget = (c: Closed): boolean => c.reason === 'exit_target';
const netOf = (c: Closed): number => c.grossPnlUsd! - c.feesUsd! + (c.fundingUsd ?? 0);

describe('a default sim run (default market, default order latency)', () => {
  let runsDir: string;
  beforeEach(() => {
    runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'arb-losses-'));
  });
  afterEach(() => fs.rmSync(runsDir, { recursive: true, force: true }));

  it('has winning and losing round trips, and a summary that adds up', async () => {
    const closes: Closed[] = [];
    const handle = startRun({
      mode: 'sim',
      config: THREE_MARKETS,
      seed: 1,
      closeOnExit: true,
      durationSec: RUN_CAP_SEC,
      runsDir,
      logLevel: 'warn',
      onEvent: (e) => {
        if (e.type !== 'POSITION_CLOSED') return;
        closes.push(e);
        const atTarget = closes.filter(onTarget);
        const losses = atTarget.filter((c) => netOf(c) <= 0).length;
        if (losses >= MIN_EACH && atTarget.length - losses >= MIN_EACH) handle.stop('test: wins and losses seen');
      },
    });
    const result = await handle.done;
    const s = result.summary;

    // Counted on the bot's own exits only: a close forced by the end of the run is no evidence of the market.
    const wins = closes.filter((c) => onTarget(c) && netOf(c) > 0);
    const losses = closes.filter((c) => onTarget(c) && netOf(c) <= 0);
    expect(wins.length).toBeGreaterThanOrEqual(MIN_EACH);
    expect(losses.length).toBeGreaterThanOrEqual(MIN_EACH);
    // A loss is a real one: the spread the position was opened at did not survive the fills and fees.
    for (const c of losses) expect(netOf(c)).toBeLessThan(0);

    // The summary adds up, and says the same as the round trips it is made of.
    expect(s.netPnlUsd).toBeCloseTo(s.grossPnlUsd - s.feesUsd + s.fundingUsd, 9);
    expect(s.openAtExit).toBe(0); // closeOnExit
    expect(s.legsUnwound).toBe(0);
    expect(s.roundTrips).toBe(closes.length);
    expect(s.grossPnlUsd).toBeCloseTo(closes.reduce((sum, c) => sum + c.grossPnlUsd!, 0), 6);
    expect(s.feesUsd).toBeCloseTo(closes.reduce((sum, c) => sum + c.feesUsd!, 0), 6);
    expect(s.netPnlUsd).toBeCloseTo(closes.reduce((sum, c) => sum + netOf(c), 0), 6);
    expect(s.winRate).toBeCloseTo(closes.filter((c) => netOf(c) > 0).length / closes.length, 9);
    expect(s.winRate).toBeLessThan(1);
    expect(s.winRate).toBeGreaterThan(0);

  }, 120_000);
});

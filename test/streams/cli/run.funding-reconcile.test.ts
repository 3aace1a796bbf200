/**
 * Issue 13 point 4, the venues' side: a sim run (real clients against the simulated venues on port 0) whose
 * funding runs 36,000× faster than real time (1 s of run = 10 h of funding). After each close the bot's own
 * funding figure (index differences, per leg) is checked against what each simulated venue says it charged
 * (Paradex GET /v1/funding/payments, Vest the close order's settledFunding): they agree within the tolerance.
 *
 * The tolerance: the simulated index moves once per market step (100 ms = 1 h of funding here) and the bot
 * reads it by polling, so each end of the bot's interval can be a step off the venue's fill. In real time a step
 * is seconds out of hours (the default tolerance, one cent or 2 %); compressed 36,000×, it is one funding hour
 * per end. So the bound here is two funding hours of one leg at a rate the model hardly ever exceeds (1e-4 / h).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultConfig } from '../../../src/config';
import type { FundingReconciled, TradingEvent } from '../../../src/domain/events';
import { startRun } from '../../../streams/cli/run';

const FAST_MARKET = { basisTauSec: 0.8, basisStdPct: 0.16 };
const TIME_SCALE = 36_000;
const STEP_HOURS = (0.1 / 3600) * TIME_SCALE;
// One leg of the default 0.001 BTC near $95,000, two steps at 1e-4 per hour.
const TOLERANCE_USD = 2 * STEP_HOURS * 1e-4 * 95_000 * defaultConfig().bots[0]!.positionSize;

describe('a sim run reconciling funding with the venues', () => {
  let runsDir: string;
  beforeEach(() => {
    runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'arb-funding-reconcile-'));
  });
  afterEach(() => fs.rmSync(runsDir, { recursive: true, force: true }));

  it('finds each close’s funding, per leg, equal within tolerance to what the simulated venues charged', async () => {
    let checks = 0;
    const handle = startRun({
      mode: 'sim',
      config: defaultConfig(),
      seed: 11,
      closeOnExit: true,
      durationSec: 90,
      runsDir,
      logLevel: 'info',
      simModel: FAST_MARKET,
      simFunding: { timeScale: TIME_SCALE },
      fundingPollMs: 30,
      fundingTolerance: { absUsd: TOLERANCE_USD, relative: 0 },
      onEvent: (e) => {
        if (e.type === 'FUNDING_RECONCILED' || e.type === 'FUNDING_MISMATCH') checks++;
        if (checks >= 2) handle.stop('test: two closes reconciled');
      },
    });
    const result = await handle.done;
    const log = fs
      .readFileSync(result.eventsPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as TradingEvent);
    const closes = log.filter((e): e is Extract<TradingEvent, { type: 'POSITION_CLOSED' }> => e.type === 'POSITION_CLOSED');
    const mismatches = log.filter((e) => e.type === 'FUNDING_MISMATCH');
    const reconciled = log.filter((e): e is FundingReconciled => e.type === 'FUNDING_RECONCILED');
    expect(mismatches).toEqual([]);
    // One check per close (a close on exit included), every leg read from its venue.
    expect(reconciled.length).toBe(closes.length);
    expect(reconciled.length).toBeGreaterThanOrEqual(2);
    for (const [i, r] of reconciled.entries()) {
      expect(r.unavailable).toBeUndefined();
      const close = closes[i]!;
      expect(r.botUsd).toBeCloseTo(close.fundingUsd!, 12);
      expect(r.legs.map((l) => l.botUsd)).toEqual([close.fundingLongUsd, close.fundingShortUsd]);
      for (const leg of r.legs) {
        expect(Math.abs(leg.diffUsd!)).toBeLessThanOrEqual(leg.toleranceUsd);
        expect(leg.source).toMatch(leg.venue === 'paradex' ? /^GET \/funding\/payments: 1 payment$/ : /^GET \/orders: settledFunding of \d+ orders?$/);
      }
    }
    // Carry is visible, so agreement is not two zeros agreeing: some leg's venue figure is beyond the tolerance itself,
    // and where it is, the bot's figure has its sign.
    const legs = reconciled.flatMap((r) => r.legs);
    expect(legs.some((l) => Math.abs(l.venueUsd!) > TOLERANCE_USD)).toBe(true);
    for (const l of legs) if (Math.abs(l.venueUsd!) > TOLERANCE_USD) expect(Math.sign(l.botUsd)).toBe(Math.sign(l.venueUsd!));

    // The summary carries the difference (venue − bot, Σ over the checks).
    const s = result.summary;
    expect(s.fundingVenueDiffUsd).toBeCloseTo(reconciled.reduce((acc, r) => acc + r.diffUsd!, 0), 12);
    expect(s.fundingMismatches).toBe(0);
  }, 120_000);
});

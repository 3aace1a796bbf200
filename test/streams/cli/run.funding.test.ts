/**
 * A sim run with funding (issue 13): the process shell reads both venues' funding, each entry records its
 * legs' indexes in the journal, an open position reports FUNDING_ACCRUED, each close realises its funding,
 * and the summary, the loss limit's figure and every round trip add up with it. The simulated funding runs
 * 36,000× faster than real time so that carry is visible in seconds (1 s of run = 10 h of funding).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultConfig } from '../../../src/config';
import type { TradingEvent } from '../../../src/domain/events';
import { startRun } from '../../../streams/cli/run';

const FAST_MARKET = { basisTauSec: 0.8, basisStdPct: 0.16 };

describe('a sim run with funding', () => {
  let runsDir: string;
  beforeEach(() => {
    runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'arb-funding-'));
  });
  afterEach(() => fs.rmSync(runsDir, { recursive: true, force: true }));

  it('realises each position’s funding at its close, from index differences, and the summary adds up with it', async () => {
    let closed = 0;
    let accrued = 0;
    const handle = startRun({
      mode: 'sim',
      config: defaultConfig(),
      seed: 7,
      closeOnExit: true,
      durationSec: 90,
      runsDir,
      logLevel: 'info',
      simModel: FAST_MARKET,
      simFunding: { timeScale: 36_000 },
      fundingPollMs: 100,
      onEvent: (e) => {
        if (e.type === 'POSITION_CLOSED') closed++;
        if (e.type === 'FUNDING_ACCRUED') accrued++;
        if (closed >= 2 && accrued >= 1) handle.stop('test: funded round trips seen');
      },
    });
    const result = await handle.done;
    const s = result.summary;
    const log = fs
      .readFileSync(result.eventsPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as TradingEvent);
    const closes = log.filter((e): e is Extract<TradingEvent, { type: 'POSITION_CLOSED' }> => e.type === 'POSITION_CLOSED');
    expect(closes.length).toBeGreaterThanOrEqual(2);
    // Every close knows its funding (the feeds answered before the first entry), and carry is visible.
    for (const c of closes) expect(Number.isFinite(c.fundingUsd)).toBe(true);
    expect(closes.some((c) => Math.abs(c.fundingUsd!) > 1e-4)).toBe(true);
    expect(s.fundingUnknownTrades).toBe(0);

    // FUNDING_ACCRUED: unrealised, per leg adding up to the total.
    const accruals = log.filter((e): e is Extract<TradingEvent, { type: 'FUNDING_ACCRUED' }> => e.type === 'FUNDING_ACCRUED');
    expect(accruals.length).toBeGreaterThanOrEqual(1);
    for (const a of accruals) {
      expect(a.realised).toBe(false);
      expect(a.longUsd + a.shortUsd).toBeCloseTo(a.totalUsd, 12);
      expect(a.longVenue).not.toBe(a.shortVenue);
    }

    // The summary: funding is the sum of the closes', net = gross − fees + funding, and the round trips add up to it.
    const closedFunding = closes.reduce((acc, c) => acc + c.fundingUsd!, 0);
    expect(s.fundingUsd).toBeCloseTo(closedFunding, 12);
    expect(s.netPnlUsd).toBeCloseTo(s.grossPnlUsd - s.feesUsd + s.fundingUsd, 12);
    expect(s.trades.reduce((acc, t) => acc + t.fundingUsd, 0)).toBeCloseTo(s.fundingUsd, 12);
    for (const t of s.trades) expect(t.netPnlUsd).toBeCloseTo(t.grossPnlUsd - t.feesUsd + t.fundingUsd, 12);

    // Each entry journalled its legs' funding indexes, so a restart keeps them.
    const journalDir = path.join(result.runDir, 'journal');
    const lines = fs
      .readdirSync(journalDir)
      .filter((f) => f.endsWith('.ndjson'))
      .flatMap((f) => fs.readFileSync(path.join(journalDir, f), 'utf8').trim().split('\n'))
      .map((l) => JSON.parse(l) as { kind: string; position?: { fundingIndexAtEntry?: { long: number; short: number } } });
    const opens = lines.filter((l) => l.kind === 'open');
    expect(opens.length).toBe(s.opened);
    for (const o of opens) {
      expect(Number.isFinite(o.position!.fundingIndexAtEntry!.long)).toBe(true);
      expect(Number.isFinite(o.position!.fundingIndexAtEntry!.short)).toBe(true);
    }

    // The report's table carries a funding column whose figures are the summary's.
    const html = fs.readFileSync(result.reportPath, 'utf8');
    expect(html).toContain('id="totals-check">Totals = the summary');
  }, 120_000);
});

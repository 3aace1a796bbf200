/**
 * The loss budget (risk.max_loss_usd) is the journal's, not the process's: a run starts from what the journal
 * counted before it, journals what it counts, and a bot that restarts after spending the budget does not trade.
 * Real runs against the simulated venues, on a journal folder that outlives them. The running bot's API
 * (/api/status, /metrics) and the run's report show the same budget as the summary.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultConfig } from '../../../src/config';
import type { TradingEvent } from '../../../src/domain/events';
import { openJournal } from '../../../src/execution/journal';
import type { StatusJson } from '../../../src/ops/state';
import { startRun } from '../../../streams/cli/run';
import { journalFile } from '../../../streams/cli/pair-executor';

describe('the loss budget across runs', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arb-budget-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const config = defaultConfig();
  const bot = config.bots[0]!;
  const journalDir = () => path.join(dir, 'journal');

  /** What an earlier run of this bot left: a realised net of `netUsd` counted since t=1000. */
  function earlierRun(netUsd: number): void {
    const j = openJournal(journalFile(journalDir(), bot.id));
    j.append({ kind: 'realised', pair: bot.pair, time: 2_000, event: 'POSITION_CLOSED', deltaUsd: netUsd, netUsd, since: 1_000 });
    j.close();
  }

  it('a restart after the budget was spent halts before any entry; the summary, /api/status, /metrics and the report say why', async () => {
    const max = config.risk.maxLossUsd;
    earlierRun(-max - 5);
    const seen: TradingEvent[] = [];
    let apiUrl: string | undefined;
    let watched!: () => void;
    const watchedAfterHalt = new Promise<void>((resolve) => (watched = resolve));
    // Read once the market has been watched a while after the halt, then stopped (the cap covers a slow start on a loaded machine).
    const handle = startRun({
      mode: 'sim',
      config,
      seed: 1,
      closeOnExit: true,
      durationSec: 40,
      runsDir: path.join(dir, 'runs'),
      journalDir: journalDir(),
      logLevel: 'warn',
      api: { host: '127.0.0.1', port: 0, token: undefined },
      onApiListening: (url) => (apiUrl = url),
      onEvent: (e) => {
        seen.push(e);
        if (seen.filter((s) => s.type === 'SPREAD_MONITORING').length >= 4) watched();
      },
    });
    await Promise.race([watchedAfterHalt, handle.done]);
    const status = apiUrl ? ((await (await fetch(`${apiUrl}/api/status`)).json()) as StatusJson) : undefined;
    const metricsText = apiUrl ? await (await fetch(`${apiUrl}/metrics`)).text() : '';
    handle.stop('test: watched after the halt');
    const { summary, reportPath } = await handle.done;
    const halt = seen.find((e) => e.type === 'TRADING_HALTED');
    expect(halt).toMatchObject({ pair: bot.pair, reason: `max loss reached: realised net -${(max + 5).toFixed(2)} USD (earlier runs -${(max + 5).toFixed(2)} USD, this run 0.00 USD) <= -${max} USD` });
    expect(seen.filter((e) => e.type === 'POSITION_OPENED' || e.type === 'ORDER_FILLED')).toEqual([]);
    expect(summary.lossBudget).toEqual({ maxLossUsd: max, atStartUsd: -max - 5, atEndUsd: -max - 5, since: 1_000 });
    // The running bot's API: the budget spent before this run, nothing this run, nothing left, the pair halted by it.
    expect(status?.lossBudget).toEqual({ limitUsd: max, atStartUsd: -max - 5, thisRunUsd: 0, netUsd: -max - 5, leftUsd: 0, since: 1_000, spent: true, halted: true });
    expect(metricsText).toMatch(/^# TYPE arb_loss_budget_left_usd gauge$/m);
    expect(metricsText).toMatch(/^arb_loss_budget_left_usd 0$/m);
    expect(metricsText).toContain(`\narb_loss_budget_spent_usd ${max + 5}\n`);
    expect(metricsText).toContain(`\narb_loss_budget_limit_usd ${max}\n`);
    // The run's report, in its header.
    expect(fs.readFileSync(reportPath, 'utf8')).toContain(
      `<p id="loss-budget">loss budget: $0.00 of $${max.toFixed(2)} left — SPENT (since 1970-01-01T00:00:01.000Z); realised net on record -$${(max + 5).toFixed(2)} at start +$0.00 this run = -$${(max + 5).toFixed(2)}</p>`,
    );
    // The halt is journalled: the next start keeps it until an operator resumes.
    const j = openJournal(journalFile(journalDir(), bot.id));
    try {
      expect(j.lastState(bot.pair).halt?.reason).toMatch(/^max loss reached/);
    } finally {
      j.close();
    }
  }, 90_000);

  it('journals what it counts: the budget at the end is the one at the start plus the summary’s realised net', async () => {
    earlierRun(-1.25);
    const handle = startRun({ mode: 'sim', config, seed: 1, closeOnExit: true, durationSec: 15, runsDir: path.join(dir, 'runs'), journalDir: journalDir(), logLevel: 'warn' });
    const { summary, reportPath } = await handle.done;
    expect(summary.lossBudget?.atStartUsd).toBe(-1.25);
    expect(summary.lossBudget?.atEndUsd).toBeCloseTo(-1.25 + summary.netPnlUsd, 9);
    // Reported only if the run traded: then the figure moved (every fill pays a fee).
    if (summary.opened > 0) expect(summary.lossBudget?.atEndUsd).not.toBe(-1.25);
    // The report's header line adds up the same way: before this run, this run's net, and what the limit leaves.
    const signed = (v: number) => `${v < 0 ? '-' : '+'}$${Math.abs(v).toFixed(2)}`;
    const atEnd = summary.lossBudget!.atEndUsd;
    expect(fs.readFileSync(reportPath, 'utf8')).toContain(
      `loss budget: $${Math.max(0, config.risk.maxLossUsd + atEnd).toFixed(2)} of $${config.risk.maxLossUsd.toFixed(2)} left (since 1970-01-01T00:00:01.000Z); realised net on record -$1.25 at start ${signed(atEnd + 1.25)} this run = ${signed(atEnd)}`,
    );
    const j = openJournal(journalFile(journalDir(), bot.id));
    try {
      expect(j.lastState(bot.pair).lossBudget).toEqual({ netUsd: summary.lossBudget?.atEndUsd, since: 1_000 });
    } finally {
      j.close();
    }
  }, 90_000);
});

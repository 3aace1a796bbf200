/**
 * A sim run whose events.ndjson and bot.log rotate by size (config `logs`): every event is still there, once, in
 * order, read back across the parts oldest first (src/report/run-folder.ts); no part passes the limit by more than
 * one line; parts beyond max_files are deleted.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultConfig, type BotConfig } from '../../../src/config';
import { readRotatedLines, rotatedParts } from '../../../src/report/run-folder';
import { NO_ORDER_LATENCY } from '../../../src/sim/index';
import { startRun } from '../../../streams/cli/run';

// Enough trades in 3 s to rotate the logs several times: orders matched on arrival (this is about the logs, not fills).
const FAST_MARKET = { basisTauSec: 0.8, basisStdPct: 0.16, ...NO_ORDER_LATENCY };

/** Resolves once the run folder's events.ndjson and bot.log each have more than `parts` parts (or after 40 s). */
async function untilRotated(runsDir: string, parts: number): Promise<void> {
  const deadline = Date.now() + 40_000;
  while (Date.now() < deadline) {
    const runDir = fs.readdirSync(runsDir).find((n) => n !== 'latest');
    if (runDir !== undefined) {
      const at = path.join(runsDir, runDir);
      if (rotatedParts(path.join(at, 'events.ndjson')).length > parts && rotatedParts(path.join(at, 'bot.log')).length > parts) return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a sim run with rotated logs', () => {
  let runsDir: string;
  beforeEach(() => {
    runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'arb-rot-'));
  });
  afterEach(() => fs.rmSync(runsDir, { recursive: true, force: true }));

  it('keeps every event across the rotated parts of events.ndjson, in order, and bounds bot.log', async () => {
    const maxBytes = 1024;
    const config: BotConfig = { ...defaultConfig(), logs: { maxBytes, maxFiles: 1000 } };
    // Stopped once both files have rotated a few times (a fixed duration is too short when start-up is slow
    // on a loaded machine); the duration is only the upper bound.
    const run = startRun({ mode: 'sim', config, seed: 3, sampleMs: 0, closeOnExit: true, durationSec: 40, runsDir, logLevel: 'debug', simModel: FAST_MARKET });
    void untilRotated(runsDir, 3).then(() => run.stop('rotated enough'));
    const result = await run.done;

    const parts = rotatedParts(result.eventsPath);
    expect(parts.length).toBeGreaterThan(2);
    const lines = [...readRotatedLines(result.eventsPath)];
    expect(lines).toHaveLength(result.eventCount);
    const events = lines.map((l) => JSON.parse(l) as { type: string });
    expect(events[0]!.type).toBe('BOT_STARTED');
    expect(events[events.length - 1]!.type).toBe('BOT_SHUTDOWN');
    const longest = Math.max(...lines.map((l) => Buffer.byteLength(l) + 1));
    for (const p of parts) expect(fs.statSync(p).size).toBeLessThanOrEqual(Math.max(maxBytes, longest));

    const logParts = rotatedParts(path.join(result.runDir, 'bot.log'));
    expect(logParts.length).toBeGreaterThan(2);
    for (const p of logParts) expect(fs.statSync(p).size).toBeLessThanOrEqual(maxBytes + 2048);
  }, 60_000);

  it('deletes the parts beyond max_files', async () => {
    const config: BotConfig = { ...defaultConfig(), logs: { maxBytes: 512, maxFiles: 2 } };
    const result = await startRun({ mode: 'sim', config, seed: 3, sampleMs: 0, closeOnExit: true, durationSec: 2, runsDir, logLevel: 'debug' }).done;
    const names = fs.readdirSync(result.runDir).filter((n) => n.startsWith('events.ndjson') || n.startsWith('bot.log')).sort();
    expect(names).toEqual(['bot.log', 'bot.log.1', 'bot.log.2', 'events.ndjson', 'events.ndjson.1', 'events.ndjson.2']);
    const kept = [...readRotatedLines(result.eventsPath)];
    expect(kept.length).toBeLessThan(result.eventCount);
    expect((JSON.parse(kept[kept.length - 1]!) as { type: string }).type).toBe('BOT_SHUTDOWN');
  }, 30_000);
});

/**
 * The run's event sink: every event is folded, written, logged and shown, in order, but on a later turn
 * than the one that emitted it, and nothing is lost at the end of a run.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { events, type TradingEvent } from '../../src/domain/events';
import { createLogger } from '../../src/logging/logger';
import { Outputs } from '../../src/logging/output';
import { createRunEventSink, type RunEventParts } from '../../src/report/run-events';
import { RunRecord } from '../../src/report/run-record';

const PAIR = 'BTC-PERP';
const dirs: string[] = [];

afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function parts(seen: TradingEvent[], printed: string[]): RunEventParts & { eventsPath: string; close: () => Promise<void> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'run-events-'));
  dirs.push(dir);
  const outputs = new Outputs();
  const eventsPath = path.join(dir, 'events.ndjson');
  const eventsOut = outputs.file('events.ndjson', eventsPath);
  const logger = createLogger({ level: 'info', format: 'json', file: path.join(dir, 'bot.log'), console: false, outputs });
  return {
    record: new RunRecord({ pairs: [PAIR] }),
    events: eventsOut,
    logger,
    console: { print: (text) => printed.push(text), logLevel: 'info' },
    onEvent: (e) => seen.push(e),
    eventsPath,
    close: async () => {
      eventsOut.close();
      await new Promise<void>((r) => logger.end(r));
    },
  };
}

const exit = (time: number): TradingEvent =>
  events.tradeExit(time, { pair: PAIR, polls: 3, entrySpread: 0.2, exitSpread: 0.01, exitTarget: 0, profit: 0.21, reason: 'exit_target', tick: { time } });
const monitoring = (time: number, polls: number): TradingEvent =>
  events.positionMonitoring(time, { pair: PAIR, polls, entrySpread: 0.2, exitSpread: -0.05, exitTarget: 0 });

describe('run event sink', () => {
  it('handles nothing in the turn that emitted the event, then everything on the next turn, in order', async () => {
    const seen: TradingEvent[] = [];
    const printed: string[] = [];
    const p = parts(seen, printed);
    const sink = createRunEventSink(p);
    const emitted = [monitoring(1, 40), exit(2), monitoring(3, 80)];
    emitted.forEach((e) => sink.add(e));
    expect(seen).toEqual([]);
    expect(sink.pending).toBe(3);
    expect(p.record.eventCount).toBe(0);

    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(emitted);
    expect(sink.pending).toBe(0);
    expect(p.record.eventCount).toBe(3);
    expect(printed.filter((line) => line.startsWith('[event] ') && line.includes(' TRADE_EXIT BTC-PERP '))).toHaveLength(1);
    await p.close();
    const lines = fs.readFileSync(p.eventsPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TradingEvent);
    expect(lines).toEqual(emitted);
  });

  it('flush handles what is queued at once (the end of a run), and the later turn finds nothing left', async () => {
    const seen: TradingEvent[] = [];
    const p = parts(seen, []);
    const sink = createRunEventSink(p);
    sink.add(exit(1));
    sink.add(monitoring(2, 40));
    sink.flush();
    expect(seen.map((e) => e.type)).toEqual(['TRADE_EXIT', 'POSITION_MONITORING']);
    await new Promise((r) => setImmediate(r));
    expect(seen).toHaveLength(2);
    await p.close();
  });

  it('keeps the events after one whose handling threw, for the next turn, and passes the error on', () => {
    const seen: TradingEvent[] = [];
    const runs: (() => void)[] = [];
    const p = parts(seen, []);
    let fail = true;
    const sink = createRunEventSink(
      {
        ...p,
        onEvent: (e) => {
          if (e.time === 2 && fail) {
            fail = false;
            throw new Error('handler bug');
          }
          seen.push(e);
        },
      },
      (run) => runs.push(run),
    );
    [monitoring(1, 40), exit(2), monitoring(3, 80)].forEach((e) => sink.add(e));
    expect(runs).toHaveLength(1);
    expect(() => runs.shift()!()).toThrow('handler bug');
    expect(seen.map((e) => e.time)).toEqual([1]);
    expect(sink.pending).toBe(1);
    expect(runs).toHaveLength(1);
    runs.shift()!();
    expect(seen.map((e) => e.time)).toEqual([1, 3]);
    return p.close();
  });
});

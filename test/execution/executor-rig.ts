/**
 * The executor rig the unit tests share: Vest (A) and Paradex (B) as in-memory fake venues, a real
 * journal file in a temp folder, a settable clock, and a factory for a second executor on the same
 * journal (what a restarted process builds).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TradingEvent } from '../../src/domain/events';
import type { SpreadOpportunity } from '../../src/domain/market';
import { createExecutor, type Executor, type ExecutorOptions, type OpenPosition } from '../../src/execution/executor';
import { openJournal, type Journal } from '../../src/execution/journal';
import { FakeVenue } from './fake-venue';

export const T0 = 1_700_000_000_000;
export const PAIR = 'BTC-PERP';

export interface Rig {
  exec: Executor;
  vest: FakeVenue;
  paradex: FakeVenue;
  journal: Journal;
  journalPath: string;
  clock: { now: number };
  make(overrides?: Partial<ExecutorOptions>): Executor;
}

const dirs: string[] = [];
/** Journals opened by tests; closed by cleanUp(). */
export const journals: Journal[] = [];

export function rig(overrides: Partial<ExecutorOptions> = {}): Rig {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'executor-'));
  dirs.push(dir);
  const journalPath = path.join(dir, 'journal.ndjson');
  const journal = openJournal(journalPath);
  journals.push(journal);
  const clock = { now: T0 };
  const now = (): number => clock.now;
  // A = Vest (BTC-PERP), B = Paradex (BTC-USD-PERP): Paradex bids above Vest's ask, so AOverB pays.
  const vest = new FakeVenue({ id: 'vest', symbol: 'BTC-PERP', bid: 100_000, ask: 100_010, now, spec: { sizeIncrement: 0.0001, takerFee: 0.0001 } });
  const paradex = new FakeVenue({
    id: 'paradex',
    symbol: 'BTC-USD-PERP',
    bid: 100_300,
    ask: 100_310,
    now,
    spec: { sizeIncrement: 0.00001, takerFee: 0.00045 },
  });
  let seq = 0;
  const make = (more: Partial<ExecutorOptions> = {}): Executor =>
    createExecutor({
      pair: PAIR,
      venues: { a: vest, b: paradex },
      size: 0.01,
      journal,
      now,
      legTimeoutMs: 20,
      closeBackoffMs: 1,
      haltCooldownMs: 60_000,
      newClientId: () => `c${++seq}`,
      sleep: () => Promise.resolve(),
      ...overrides,
      ...more,
    });
  return { exec: make(), vest, paradex, journal, journalPath, clock, make };
}

/** Call from afterEach: closes every journal and removes the temp folders. */
export function cleanUp(): void {
  for (const j of journals.splice(0)) j.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

export function opportunity(r: Rig): SpreadOpportunity {
  const spread = ((r.paradex.bid - r.vest.ask) / r.vest.ask) * 100;
  return {
    pair: PAIR,
    direction: 'AOverB',
    spread,
    netSpread: spread - 0.11,
    askA: r.vest.ask,
    bidA: r.vest.bid,
    askB: r.paradex.ask,
    bidB: r.paradex.bid,
    detectedAt: r.clock.now,
  };
}

export function types(events: readonly TradingEvent[]): string[] {
  return events.map((e) => e.type);
}

export function kinds(j: Journal): string[] {
  return j.entries(PAIR).map((e) => e.kind);
}

export async function openOk(r: Rig, exec = r.exec): Promise<OpenPosition> {
  const res = await exec.openPosition(opportunity(r));
  if (!res.ok) throw new Error(`open failed: ${res.reason}`);
  return res.position;
}


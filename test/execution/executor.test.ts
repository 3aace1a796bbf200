import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TradingEvent } from '../../src/domain/events';
import type { SpreadOpportunity } from '../../src/domain/market';
import { bookFromLevels } from '../../src/domain/order-book';
import { createExecutor, type Executor, type ExecutorOptions, type OpenPosition } from '../../src/execution/executor';
import { openJournal, type Journal, type JournalEntry } from '../../src/execution/journal';
import type { PreparedOrder } from '../../src/venues/venue';
import { FakeVenue } from './fake-venue';

const T0 = 1_700_000_000_000;
const PAIR = 'BTC-PERP';

interface Rig {
  exec: Executor;
  vest: FakeVenue;
  paradex: FakeVenue;
  journal: Journal;
  journalPath: string;
  clock: { now: number };
  make(overrides?: Partial<ExecutorOptions>): Executor;
}

const dirs: string[] = [];
const journals: Journal[] = [];

function rig(overrides: Partial<ExecutorOptions> = {}): Rig {
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

afterEach(() => {
  for (const j of journals.splice(0)) j.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function opportunity(r: Rig): SpreadOpportunity {
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

function types(events: readonly TradingEvent[]): string[] {
  return events.map((e) => e.type);
}

function kinds(j: Journal): string[] {
  return j.entries(PAIR).map((e) => e.kind);
}

async function openOk(r: Rig, exec = r.exec): Promise<OpenPosition> {
  const res = await exec.openPosition(opportunity(r));
  if (!res.ok) throw new Error(`open failed: ${res.reason}`);
  return res.position;
}

describe('executor: open and close', () => {
  it('opens both legs, closes them, and reports the realised PnL and fees from the fills', async () => {
    const r = rig();
    const res = await r.exec.openPosition(opportunity(r));
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    const p = res.position;
    expect(p).toMatchObject({ direction: 'AOverB', size: 0.01, longVenue: 'vest', shortVenue: 'paradex', longEntryPrice: 100_010, shortEntryPrice: 100_300 });
    expect(p.entrySpread).toBeCloseTo(((100_300 - 100_010) / 100_010) * 100, 10);
    expect(r.vest.holding()).toBe(0.01);
    expect(r.paradex.holding()).toBe(-0.01);
    expect(types(res.events)).toEqual(['ORDER_PLACED', 'ORDER_PLACED', 'ORDER_FILLED', 'ORDER_FILLED', 'TRADE_ENTRY', 'SLIPPAGE_ANALYSIS']);
    // Both legs were IOC with a 0.5 % cap from the detected prices.
    const [buy] = r.vest.submitted;
    const [sell] = r.paradex.submitted;
    expect(buy).toMatchObject({ side: 'BUY', timeInForce: 'IOC', reduceOnly: false });
    expect(buy!.price).toBeCloseTo(100_010 * 1.005, 0);
    expect(sell!.price).toBeCloseTo(100_300 * 0.995, 0);

    r.vest.bid = 100_200; // the long sells here
    r.paradex.ask = 100_220; // the short buys back here
    const closed = await r.exec.closePosition(p);
    expect(closed.ok).toBe(true);
    expect(closed.grossPnlUsd).toBeCloseTo((100_200 - 100_010) * 0.01 + (100_300 - 100_220) * 0.01, 9);
    const entryFees = 0.01 * 100_010 * 0.0001 + 0.01 * 100_300 * 0.00045;
    const exitFees = 0.01 * 100_200 * 0.0001 + 0.01 * 100_220 * 0.00045;
    expect(closed.feesUsd).toBeCloseTo(entryFees + exitFees, 9);
    expect(closed.legs.long).toMatchObject({ flat: true, closedSize: 0.01, avgExitPrice: 100_200, side: 'SELL' });
    expect(closed.legs.short).toMatchObject({ flat: true, closedSize: 0.01, avgExitPrice: 100_220, side: 'BUY' });
    expect(r.vest.submitted[1]).toMatchObject({ reduceOnly: true, side: 'SELL' });
    expect(r.paradex.submitted[1]).toMatchObject({ reduceOnly: true, side: 'BUY' });
    expect(r.vest.holding()).toBe(0);
    expect(r.paradex.holding()).toBe(0);
    expect(r.exec.position()).toBeUndefined();
    // 'close_armed': the pre-signed close ids are made durable when signed, before they can be sent.
    expect(kinds(r.journal)).toEqual(['opening', 'leg_filled', 'leg_filled', 'open', 'close_armed', 'closing', 'leg_filled', 'leg_filled', 'closed']);
    expect(r.journal.lastState(PAIR).phase).toBe('flat');
  });

  it('journals the opening with both client ids before either order is sent', async () => {
    const r = rig();
    let journalAtFirstSend: string[] = [];
    const submit = r.vest.submitOrder.bind(r.vest);
    r.vest.submitOrder = (prepared) => {
      journalAtFirstSend = kinds(r.journal);
      return submit(prepared);
    };
    await openOk(r);
    expect(journalAtFirstSend[0]).toBe('opening');
    const opening = r.journal.entries(PAIR)[0];
    expect(opening?.kind === 'opening' && [opening.long.clientId, opening.short.clientId]).toEqual([
      r.vest.submitted[0]!.clientId,
      r.paradex.submitted[0]!.clientId,
    ]);
  });

  it('sends the same size on both legs, rounded down to the coarser increment', async () => {
    const r = rig({ size: 0.01234 });
    // vest increment 0.0001, paradex 0.00001
    const p = await openOk(r);
    expect(p.size).toBe(0.0123);
    expect(r.vest.submitted[0]!.size).toBe(0.0123);
    expect(r.paradex.submitted[0]!.size).toBe(0.0123);
  });
});

describe('executor: pre-flight', () => {
  it('sends neither leg when one venue lacks margin', async () => {
    const r = rig();
    r.paradex.marginUsd = 50;
    const res = await r.exec.openPosition(opportunity(r));
    expect(res).toMatchObject({ ok: false, stage: 'preflight' });
    expect(!res.ok && res.reason).toMatch(/insufficient margin on paradex/);
    expect(r.vest.submitted).toHaveLength(0);
    expect(r.paradex.submitted).toHaveLength(0);
    expect(kinds(r.journal)).toEqual([]);
  });

  it('sends neither leg when the notional exceeds the configured maximum', async () => {
    const r = rig({ maxNotionalUsd: 500 });
    const res = await r.exec.openPosition(opportunity(r));
    expect(res).toMatchObject({ ok: false, stage: 'preflight' });
    expect(!res.ok && res.reason).toMatch(/above the configured maximum \$500/);
    expect(r.vest.submitted.length + r.paradex.submitted.length).toBe(0);
  });

  it('sends neither leg when the size rounds to zero on the coarser venue', async () => {
    const r = rig({ size: 0.00005 });
    // paradex (0.00001) accepts 0.00005 but vest (0.0001) rounds it to 0
    const res = await r.exec.openPosition(opportunity(r));
    expect(res).toMatchObject({ ok: false, stage: 'preflight' });
    expect(!res.ok && res.reason).toMatch(/rounds to 0/);
    expect(r.vest.submitted.length + r.paradex.submitted.length).toBe(0);
  });

  it('refuses a second entry while a position is open', async () => {
    const r = rig();
    await openOk(r);
    const again = await r.exec.openPosition(opportunity(r));
    expect(again).toMatchObject({ ok: false, stage: 'preflight' });
    expect(r.vest.submitted).toHaveLength(1);
  });

  it('halts instead of trading when a venue holds a position the executor does not know', async () => {
    const r = rig();
    r.vest.holdings.set('BTC-PERP', 0.02);
    const res = await r.exec.openPosition(opportunity(r));
    expect(res.ok).toBe(false);
    expect(r.vest.submitted.length + r.paradex.submitted.length).toBe(0);
    const mismatch = res.events.find((e) => e.type === 'RECONCILIATION_MISMATCH');
    expect(mismatch && 'detail' in mismatch && mismatch.detail).toBe('vest BTC-PERP: expected flat, venue reports long 0.02');
    expect(r.exec.halted()).toBe(true);
  });
});

describe('executor: one-legged entries', () => {
  it('unwinds the filled leg when the other is rejected, halts, and resumes after clearHalt', async () => {
    const r = rig();
    r.paradex.next({ kind: 'reject', reason: 'MARGIN_CHECK_FAILED' });
    const res = await r.exec.openPosition(opportunity(r));
    expect(res).toMatchObject({ ok: false, stage: 'execution', halted: true });
    // The vest buy filled, then a reduce-only sell took it back out.
    expect(r.vest.submitted.map((o) => [o.side, o.reduceOnly, o.size])).toEqual([
      ['BUY', false, 0.01],
      ['SELL', true, 0.01],
    ]);
    expect(r.vest.holding()).toBe(0);
    expect(r.paradex.holding()).toBe(0);
    const unwound = res.events.find((e) => e.type === 'LEG_UNWOUND');
    expect(unwound).toMatchObject({ venue: 'vest', size: 0.01, ok: true });
    expect(types(res.events)).toContain('TRADING_HALTED');
    expect(kinds(r.journal)).toEqual(['opening', 'leg_filled', 'leg_filled', 'leg_filled', 'unwound', 'entry_failed', 'halted']);

    const blocked = await r.exec.openPosition(opportunity(r));
    expect(blocked).toMatchObject({ ok: false, stage: 'preflight' });
    expect(!blocked.ok && blocked.reason).toMatch(/trading halted/);
    expect(r.vest.submitted).toHaveLength(2);

    expect(types(r.exec.clearHalt())).toEqual(['TRADING_RESUMED']);
    expect(r.exec.halted()).toBe(false);
    expect((await r.exec.openPosition(opportunity(r))).ok).toBe(true);
  });

  it('journals the halt with a finite `until`, and refuses a cooldown that would not be one (Infinity is written as null)', async () => {
    const r = rig();
    expect(() => r.make({ haltCooldownMs: Number.POSITIVE_INFINITY })).toThrow(/haltCooldownMs/);
    expect(() => r.make({ haltCooldownMs: 1e308 })).toThrow(/haltCooldownMs/);
    const longest = r.make({ haltCooldownMs: 2 ** 31 - 1 });
    r.paradex.next({ kind: 'reject' });
    await longest.openPosition(opportunity(r));
    const halted = fs
      .readFileSync(r.journalPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; until?: unknown })
      .filter((e) => e.kind === 'halted');
    expect(halted).toHaveLength(1);
    expect(halted[0]!.until).toBe(T0 + 2 ** 31 - 1);
  });

  it('refuses a leg timeout or a doubled close backoff beyond what a timer can wait (it would fire after 1 ms)', () => {
    const r = rig();
    expect(() => r.make({ legTimeoutMs: 2 ** 31 })).toThrow(/legTimeoutMs/);
    expect(() => r.make({ closeBackoffMs: 250, closeRetries: 40 })).toThrow(/closeBackoffMs/);
    expect(() => r.make({ closeBackoffMs: 250, closeRetries: 20 })).not.toThrow();
  });

  it('resumes entries by itself once the halt cooldown has passed', async () => {
    const r = rig();
    r.paradex.next({ kind: 'reject' });
    await r.exec.openPosition(opportunity(r));
    expect(r.exec.halted()).toBe(true);
    r.clock.now += 60_001;
    expect(r.exec.halted()).toBe(false);
    const res = await r.exec.openPosition(opportunity(r));
    expect(res.ok).toBe(true);
    expect(types(res.events)[0]).toBe('TRADING_RESUMED');
  });

  it('keeps the common hedge of a partial fill and unwinds only the excess', async () => {
    const r = rig();
    r.paradex.next({ kind: 'partial', size: 0.004 });
    const res = await r.exec.openPosition(opportunity(r));
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.position.size).toBe(0.004);
    expect(res.unwound).toHaveLength(1);
    expect(res.unwound[0]).toMatchObject({ venue: 'vest', size: 0.006, unwoundSize: 0.006, ok: true });
    expect(r.vest.holding()).toBe(0.004);
    expect(r.paradex.holding()).toBe(-0.004);
    expect(res.halted).toBe(true);
    expect(r.journal.lastState(PAIR)).toMatchObject({ phase: 'open', position: { size: 0.004 } });
  });

  it('unwinds both legs fully when the common hedge would be below the minimum notional', async () => {
    const r = rig();
    r.paradex.next({ kind: 'partial', size: 0.00005 });
    const res = await r.exec.openPosition(opportunity(r));
    expect(res).toMatchObject({ ok: false, stage: 'execution' });
    expect(r.vest.holding()).toBe(0);
    expect(r.paradex.holding()).toBe(0);
    expect(r.paradex.submitted[1]).toMatchObject({ side: 'BUY', reduceOnly: true, size: 0.00005 });
    expect(r.exec.position()).toBeUndefined();
    expect(r.journal.lastState(PAIR).phase).toBe('flat');
  });

  it('stays halted for the operator and journals the exposure when the unwind keeps failing', async () => {
    const r = rig({ closeRetries: 2 });
    r.paradex.next({ kind: 'reject' });
    r.vest.next({ kind: 'fill' }, { kind: 'reject', reason: 'MARKET_CLOSED' }, { kind: 'reject', reason: 'MARKET_CLOSED' }, { kind: 'reject', reason: 'MARKET_CLOSED' });
    const res = await r.exec.openPosition(opportunity(r));
    expect(res).toMatchObject({ ok: false, stage: 'unwind', halted: true });
    expect(r.vest.holding()).toBe(0.01);
    expect(r.exec.haltReason()).toMatch(/unhedged exposure remains: vest BTC-PERP long 0.01/);
    r.clock.now += 10 * 60_000; // no cooldown ends an operator halt
    expect(r.exec.halted()).toBe(true);
    expect(r.journal.lastState(PAIR)).toMatchObject({ phase: 'exposed', exposure: [{ venue: 'vest', size: 0.01 }, { venue: 'paradex', size: 0 }] });
  });
});

describe('executor: unknown outcomes', () => {
  it('looks up a timed-out order by client id and does not double the position when it had executed', async () => {
    const r = rig();
    r.vest.next({ kind: 'timeoutExecuted' });
    const res = await r.exec.openPosition(opportunity(r));
    expect(res.ok).toBe(true);
    expect(r.vest.submitted).toHaveLength(1);
    expect(r.vest.lookups).toEqual([r.vest.submitted[0]!.clientId]);
    expect(r.vest.holding()).toBe(0.01);
    expect(r.paradex.holding()).toBe(-0.01);
  });

  it('treats an unknown reply the same way: resolved by client id, never re-sent', async () => {
    const r = rig();
    r.paradex.next({ kind: 'unknownExecuted' });
    const res = await r.exec.openPosition(opportunity(r));
    expect(res.ok).toBe(true);
    expect(r.paradex.submitted).toHaveLength(1);
    expect(r.paradex.holding()).toBe(-0.01);
  });

  it('unwinds the other leg when a timed-out order never reached the venue', async () => {
    const r = rig();
    r.vest.next({ kind: 'timeoutLost' });
    const res = await r.exec.openPosition(opportunity(r));
    expect(res).toMatchObject({ ok: false, stage: 'execution' });
    expect(r.vest.submitted).toHaveLength(1); // never re-sent with a new id
    expect(r.vest.holding()).toBe(0);
    expect(r.paradex.holding()).toBe(0);
    expect(res.events.find((e) => e.type === 'LEG_UNWOUND')).toMatchObject({ venue: 'paradex', size: -0.01, ok: true });
  });
});

describe('executor: close', () => {
  it('retries a rejected close leg and reports ok only once both venues read flat', async () => {
    const r = rig();
    const p = await openOk(r);
    r.paradex.next({ kind: 'reject', reason: 'PRICE_STALE' }, { kind: 'reject', reason: 'PRICE_STALE' });
    const closed = await r.exec.closePosition(p);
    expect(closed.ok).toBe(true);
    expect(closed.legs.short.attempts).toBe(3);
    expect(closed.legs.long.attempts).toBe(1);
    expect(r.paradex.holding()).toBe(0);
    expect(r.vest.holding()).toBe(0);
    expect(types(closed.events).filter((t) => t === 'ORDER_FAILED')).toHaveLength(2);
  });

  it('reports failure while a leg is still open, and a later close sends only that leg', async () => {
    const r = rig({ closeRetries: 1 });
    const p = await openOk(r);
    r.paradex.next({ kind: 'reject', reason: 'PRICE_STALE' }, { kind: 'reject', reason: 'PRICE_STALE' });
    const first = await r.exec.closePosition(p);
    expect(first.ok).toBe(false);
    expect(first.reason).toMatch(/paradex BTC-USD-PERP not flat \(venue reports short 0.01\)/);
    expect(first.legs.long.flat).toBe(true);
    expect(r.exec.position()).toEqual(p);
    expect(r.journal.lastState(PAIR)).toMatchObject({ phase: 'closing', closedSize: { long: 0.01, short: 0 } });

    const vestOrders = r.vest.submitted.length;
    const second = await r.exec.closePosition(p);
    expect(second.ok).toBe(true);
    expect(r.vest.submitted).toHaveLength(vestOrders); // the flat leg is not traded again
    expect(r.paradex.holding()).toBe(0);
    expect(second.grossPnlUsd).toBeCloseTo((100_000 - 100_010) * 0.01 + (100_300 - 100_310) * 0.01, 9);
  });

  it('does not report ok while the positions endpoint cannot confirm flat', async () => {
    const r = rig({ closeRetries: 1 });
    const p = await openOk(r);
    r.vest.failPositions = 10;
    const closed = await r.exec.closePosition(p);
    expect(closed.ok).toBe(false);
    expect(closed.legs.long).toMatchObject({ flat: false, closedSize: 0.01 });
    expect(closed.reason).toMatch(/vest BTC-PERP not flat \(position unreadable\)/);
    expect(r.vest.submitted).toHaveLength(2); // no blind re-send after the fill
  });

  it('caps the close legs from the latest books: prepared at refresh, widened on a retry', async () => {
    const r = rig();
    const p = await openOk(r);
    const a = bookFromLevels([{ price: 99_000, size: 1 }], [{ price: 99_010, size: 1 }], { receivedAt: T0 });
    const b = bookFromLevels([{ price: 99_300, size: 1 }], [{ price: 99_310, size: 1 }], { receivedAt: T0 });
    r.vest.bid = 99_000;
    r.paradex.ask = 99_310;
    // The caps signed right after the entry came from the entry prices; the books moved by 1 %.
    expect(await r.exec.refreshPreparedClose({ a, b })).toBe(true);
    r.paradex.next({ kind: 'reject', reason: 'PRICE_STALE' });
    const closed = await r.exec.closePosition(p, { tick: { a, b } });
    expect(closed.ok).toBe(true);
    expect(closed.preparedUsed).toBe(2);
    expect(r.vest.submitted[1]!.price).toBeCloseTo(99_000 * 0.995, 0);
    expect(r.paradex.submitted[1]!.price).toBeCloseTo(99_310 * 1.005, 0);
    // The retry is signed fresh, with the cap widened by one more slippage width.
    expect(r.paradex.submitted[2]!.price).toBeCloseTo(99_310 * 1.01, 0);
  });
});

describe('executor: prepared close', () => {
  it('sends the pre-signed close orders without signing on the exit path', async () => {
    const r = rig();
    const p = await openOk(r);
    expect(await r.exec.prepareClose(p)).toBe(true);
    const signVest = jest.spyOn(r.vest, 'prepareOrder');
    const signParadex = jest.spyOn(r.paradex, 'prepareOrder');
    const closed = await r.exec.closePosition(p);
    expect(closed.ok).toBe(true);
    expect(closed.preparedUsed).toBe(2);
    expect(signVest).not.toHaveBeenCalled();
    expect(signParadex).not.toHaveBeenCalled();
  });

  it('re-signs a prepared order about to expire, and never sends an expired one', async () => {
    const r = rig({ refreshAheadMs: 2_000, preparedSafetyMs: 500 });
    const p = await openOk(r);
    await r.exec.prepareClose(p);
    const sign = jest.spyOn(r.vest, 'prepareOrder');
    r.clock.now += 9_000; // 1 s of the 10 s validity left
    expect(await r.exec.refreshPreparedClose()).toBe(true);
    expect(sign).toHaveBeenCalledTimes(1);
    sign.mockClear();
    r.clock.now += 9_800; // the refreshed ones now have 200 ms left: below the safety margin
    const closed = await r.exec.closePosition(p);
    expect(closed.ok).toBe(true);
    expect(closed.preparedUsed).toBe(0);
    expect(sign).toHaveBeenCalledTimes(1);
    expect(r.vest.submitted.slice(1).every((o) => o.clientId !== undefined)).toBe(true);
  });
});

describe('executor: restart', () => {
  it('a new executor reading the same journal resumes monitoring the same position', async () => {
    const r = rig();
    const p = await openOk(r);
    r.journal.close();
    const journal = openJournal(r.journalPath);
    journals.push(journal);
    const restarted = r.make({ journal });
    const restored = await restarted.restore();
    expect(restored.ok).toBe(true);
    expect(restored.position).toEqual(p);
    expect(restored.resumeClose).toBe(false);
    expect(types(restored.events)).toContain('POSITION_RESTORED');
    expect(restarted.position()).toEqual(p);
    expect(restarted.halted()).toBe(false);
    const entry = await restarted.openPosition(opportunity(r));
    expect(entry).toMatchObject({ ok: false, stage: 'preflight' });
    const closed = await restarted.closePosition(restored.position!);
    expect(closed.ok).toBe(true);
    expect(r.vest.holding()).toBe(0);
  });

  it('resumes a half-finished close with the remaining size only', async () => {
    const r = rig({ closeRetries: 0 });
    const p = await openOk(r);
    r.paradex.next({ kind: 'reject' });
    expect((await r.exec.closePosition(p)).ok).toBe(false);
    const restarted = r.make();
    const restored = await restarted.restore();
    expect(restored).toMatchObject({ ok: true, resumeClose: true });
    const closed = await restarted.closePosition(restored.position!);
    expect(closed.ok).toBe(true);
    expect(closed.legs.long.attempts).toBe(0);
    expect(closed.legs.short.closedSize).toBe(0.01);
  });

  it('reports exactly how the journal and a venue disagree, and refuses to trade', async () => {
    const r = rig();
    await openOk(r);
    r.paradex.holdings.set('BTC-USD-PERP', 0); // someone closed the short by hand
    const restarted = r.make();
    const restored = await restarted.restore();
    expect(restored.ok).toBe(false);
    const mismatch = restored.events.find((e) => e.type === 'RECONCILIATION_MISMATCH');
    expect(mismatch && 'detail' in mismatch && mismatch.detail).toBe('paradex BTC-USD-PERP: journal expects short 0.01, venue reports flat');
    expect(restarted.halted()).toBe(true);
    expect(restarted.position()).toBeUndefined();
    r.clock.now += 3_600_000;
    const entry = await restarted.openPosition(opportunity(r));
    expect(entry).toMatchObject({ ok: false, stage: 'preflight' });
    expect(r.vest.submitted).toHaveLength(1);
  });

  it('reports a venue position the journal does not know', async () => {
    const r = rig();
    r.vest.holdings.set('BTC-PERP', -0.5);
    const restored = await r.exec.restore();
    expect(restored.ok).toBe(false);
    const mismatch = restored.events.find((e) => e.type === 'RECONCILIATION_MISMATCH');
    expect(mismatch && 'detail' in mismatch && mismatch.detail).toBe('vest BTC-PERP: journal expects flat, venue reports short 0.5');
    expect(r.exec.halted()).toBe(true);
  });

  it('treats an entry interrupted by a crash as not happened when both venues are flat', async () => {
    const r = rig();
    r.journal.append({
      kind: 'opening',
      pair: PAIR,
      time: T0,
      direction: 'AOverB',
      size: 0.01,
      detectedSpread: 0.3,
      long: { venue: 'vest', symbol: 'BTC-PERP', side: 'BUY', clientId: 'x1', size: 0.01, priceCap: 100_500 },
      short: { venue: 'paradex', symbol: 'BTC-USD-PERP', side: 'SELL', clientId: 'x2', size: 0.01, priceCap: 99_800 },
    });
    const restored = await r.exec.restore();
    expect(restored).toMatchObject({ ok: true, resumeClose: false });
    expect(r.journal.lastState(PAIR).phase).toBe('flat');
    expect(r.exec.halted()).toBe(false);
  });

  it('keeps an unexpired halt across a restart', async () => {
    const r = rig();
    r.paradex.next({ kind: 'reject' });
    await r.exec.openPosition(opportunity(r));
    const restarted = r.make();
    const restored = await restarted.restore();
    expect(restored.ok).toBe(true);
    expect(restarted.halted()).toBe(true);
    expect(types(restored.events)).toContain('TRADING_HALTED');
  });
});

describe('executor: armed close (sent before the closing entry)', () => {
  /** Opens a position and captures the close orders the executor pre-signs (and arms) for it. */
  async function armedRig(options: { vestFindsByRefOnly?: boolean } = {}): Promise<{ r: Rig; p: OpenPosition; armed: Map<string, PreparedOrder> }> {
    const r = rig();
    r.vest.findsByRefOnly = options.vestFindsByRefOnly ?? false;
    const armed = new Map<string, PreparedOrder>();
    for (const v of [r.vest, r.paradex]) {
      const sign = v.prepareOrder.bind(v);
      jest.spyOn(v, 'prepareOrder').mockImplementation(async (req) => {
        const order = await sign(req);
        if (req.reduceOnly) armed.set(v.id, order);
        return order;
      });
    }
    const p = await openOk(r);
    expect(await r.exec.prepareClose(p)).toBe(true);
    return { r, p, armed };
  }

  function restartedFrom(r: Rig): { restarted: Executor; journal: Journal } {
    r.journal.close();
    const journal = openJournal(r.journalPath);
    journals.push(journal);
    return { restarted: r.make({ journal }), journal };
  }

  it('journals the armed close ids before sending, sends both legs before writing closing', async () => {
    const { r, p } = await armedRig();
    const armedEntry = r.journal.lastState(PAIR).armed;
    expect(armedEntry?.clientIds.long).toBeDefined();
    expect(armedEntry?.clientIds.short).toBeDefined();
    const journalAtSend: string[][] = [];
    for (const v of [r.vest, r.paradex]) {
      const submit = v.submitOrder.bind(v);
      jest.spyOn(v, 'submitOrder').mockImplementation((order) => {
        journalAtSend.push(kinds(r.journal));
        return submit(order);
      });
    }
    const closed = await r.exec.closePosition(p);
    expect(closed).toMatchObject({ ok: true, preparedUsed: 2 });
    // Both armed legs left while the journal's last word was still 'close_armed'.
    expect(journalAtSend.map((k) => k[k.length - 1])).toEqual(['close_armed', 'close_armed']);
    expect([r.vest.submitted[1]?.clientId, r.paradex.submitted[1]?.clientId]).toEqual([armedEntry?.clientIds.long, armedEntry?.clientIds.short]);
    const closing = r.journal.entries(PAIR).find((e) => e.kind === 'closing');
    expect(closing).toMatchObject({ clientIds: armedEntry?.clientIds });
  });

  it('writes closing, then the order (close_order), before sending a close leg that was not armed (signed on the spot)', async () => {
    const again = rig();
    const q = await openOk(again);
    expect(await again.exec.prepareClose(q)).toBe(true);
    expect(again.journal.lastState(PAIR).armed).toBeDefined();
    // Age the armed orders past their validity: the exit must sign anew and journal first.
    again.clock.now += 20_000;
    const journalAtSend: JournalEntry[][] = [];
    const submit = again.vest.submitOrder.bind(again.vest);
    jest.spyOn(again.vest, 'submitOrder').mockImplementation((order) => {
      journalAtSend.push(again.journal.entries(PAIR).slice(-2));
      return submit(order);
    });
    const closed = await again.exec.closePosition(q);
    expect(closed).toMatchObject({ ok: true, preparedUsed: 0 });
    expect(journalAtSend).toHaveLength(1);
    const [closing, order] = journalAtSend[0]!;
    expect(closing?.kind).toBe('closing');
    expect(order).toMatchObject({ kind: 'close_order', leg: 'long', clientId: again.vest.submitted.at(-1)?.clientId });
  });

  it('after a crash between sending the armed close and writing closing, restore finds the close done', async () => {
    const { r, armed } = await armedRig();
    // The crashed process had sent both armed orders; the venues executed them.
    expect((await r.vest.submitOrder(armed.get('vest')!)).ok).toBe(true);
    expect((await r.paradex.submitOrder(armed.get('paradex')!)).ok).toBe(true);
    expect(r.journal.lastState(PAIR).phase).toBe('open');

    const { restarted, journal } = restartedFrom(r);
    const restored = await restarted.restore();
    expect(restored).toMatchObject({ ok: true, resumeClose: false });
    expect(restored.position).toBeUndefined();
    expect(restarted.position()).toBeUndefined();
    expect(restarted.halted()).toBe(false);
    const tail = kinds(journal).slice(-4);
    expect(tail).toEqual(['closing', 'leg_filled', 'leg_filled', 'closed']);
    expect(r.vest.lookups).toContain(armed.get('vest')!.request.clientId);
    // Nothing re-sent: one entry leg + one close leg per venue.
    expect(r.vest.submitted).toHaveLength(2);
    expect(r.paradex.submitted).toHaveLength(2);
  });

  it('journals the lookup refs of the armed orders, so a venue that needs them (Vest) finds the close from a new process', async () => {
    const { r, armed } = await armedRig({ vestFindsByRefOnly: true });
    const vestOrder = armed.get('vest')!;
    expect(vestOrder.lookupRef).toBeDefined();
    expect(r.journal.lastState(PAIR).armed?.lookupRefs).toEqual({ long: vestOrder.lookupRef });
    expect((await r.vest.submitOrder(vestOrder)).ok).toBe(true);
    expect((await r.paradex.submitOrder(armed.get('paradex')!)).ok).toBe(true);
    // The client id alone no longer finds the Vest order.
    await expect(r.vest.orderByClientId('BTC-PERP', vestOrder.request.clientId)).resolves.toBeUndefined();

    const { restarted, journal } = restartedFrom(r);
    const restored = await restarted.restore();
    expect(restored).toMatchObject({ ok: true, resumeClose: false });
    expect(restarted.halted()).toBe(false);
    expect(kinds(journal).slice(-4)).toEqual(['closing', 'leg_filled', 'leg_filled', 'closed']);
    expect(r.vest.lookupRefsSeen).toContain(vestOrder.lookupRef);
    const closing = journal.entries(PAIR).filter((e) => e.kind === 'closing').pop();
    expect(closing).toMatchObject({ lookupRefs: { long: vestOrder.lookupRef } });
  });

  it('without the journalled ref such a venue cannot confirm the close, and restore halts for an operator', async () => {
    const { r, armed } = await armedRig({ vestFindsByRefOnly: true });
    await r.vest.submitOrder(armed.get('vest')!);
    await r.paradex.submitOrder(armed.get('paradex')!);
    // An older journal, written before lookup refs existed.
    const lines = fs.readFileSync(r.journalPath, 'utf8').split('\n').filter((l) => l !== '');
    fs.writeFileSync(r.journalPath, lines.map((l) => JSON.stringify({ ...JSON.parse(l), lookupRefs: undefined })).join('\n') + '\n');
    const { restarted } = restartedFrom(r);
    const restored = await restarted.restore();
    expect(restored.ok).toBe(false);
    expect(types(restored.events)).toContain('RECONCILIATION_MISMATCH');
    expect(restarted.halted()).toBe(true);
  });

  /**
   * What a process that crashed mid-close left behind: 'closing' with nothing armed, then a Vest (long)
   * retry journalled as 'close_order' and executed by the venue, its fill never journalled.
   */
  async function crashedMidRetry(clientId: string): Promise<{ r: Rig; p: OpenPosition; retry: PreparedOrder }> {
    const r = rig();
    const p = await openOk(r);
    r.vest.findsByRefOnly = true; // the retry is found only with its journalled lookup ref
    r.journal.append({ kind: 'closing', pair: PAIR, time: r.clock.now, clientIds: { long: '', short: '' } });
    const retry = await r.vest.prepareOrder({ clientId, symbol: 'BTC-PERP', side: 'SELL', type: 'MARKET', size: p.size, price: 90_000, timeInForce: 'IOC', reduceOnly: true });
    r.journal.append({ kind: 'close_order', pair: PAIR, time: r.clock.now, leg: 'long', clientId, lookupRef: retry.lookupRef! });
    expect(await r.vest.submitOrder(retry)).toMatchObject({ ok: true, filledSize: p.size });
    return { r, p, retry };
  }

  it('after a crash while a close retry was in flight, restore credits it by its journalled close_order and sends nothing twice', async () => {
    const { r, p, retry } = await crashedMidRetry('retry-1');
    const { restarted, journal } = restartedFrom(r);
    const restored = await restarted.restore();
    expect(restored).toMatchObject({ ok: true, resumeClose: true });
    expect(restarted.halted()).toBe(false);
    expect(journal.lastState(PAIR)).toMatchObject({ phase: 'closing', closedSize: { long: p.size, short: 0 } });
    expect(r.vest.lookupRefsSeen).toContain(retry.lookupRef);
    const closed = await restarted.closePosition(restored.position!);
    expect(closed.ok).toBe(true);
    expect(closed.legs.long.attempts).toBe(0);
    expect(r.vest.submitted.map((o) => o.clientId).filter((id) => id === 'retry-1')).toHaveLength(1);
    expect(r.vest.submitted).toHaveLength(2); // the entry leg and the retry: nothing re-sent
    expect([r.vest.holding(), r.paradex.holding()]).toEqual([0, 0]);
  });

  it('after a crash mid-retry, an order lookup that fails leaves the reduction unexplained: restore halts for an operator', async () => {
    const { r } = await crashedMidRetry('retry-2');
    r.vest.failLookups = 1;
    const { restarted } = restartedFrom(r);
    const restored = await restarted.restore();
    expect(restored.ok).toBe(false);
    expect(types(restored.events)).toContain('RECONCILIATION_MISMATCH');
    expect(restarted.halted()).toBe(true);
  });

  it('after a crash with only one armed leg executed, restore journals it and finishes the other leg only', async () => {
    const { r, armed } = await armedRig();
    await r.vest.submitOrder(armed.get('vest')!); // the Paradex leg never left
    const { restarted, journal } = restartedFrom(r);
    const restored = await restarted.restore();
    expect(restored).toMatchObject({ ok: true, resumeClose: true });
    expect(journal.lastState(PAIR)).toMatchObject({ phase: 'closing', closedSize: { long: 0.01, short: 0 } });
    const closed = await restarted.closePosition(restored.position!);
    expect(closed.ok).toBe(true);
    expect(closed.legs.long.attempts).toBe(0);
    expect(closed.legs.short.closedSize).toBe(0.01);
    expect(r.vest.holding()).toBe(0);
    expect(r.paradex.holding()).toBe(0);
  });

  it('does not credit a reduction to the armed close when the venue says that order did not fill it', async () => {
    const { r, armed } = await armedRig();
    r.paradex.next({ kind: 'reject' });
    await r.paradex.submitOrder(armed.get('paradex')!); // rejected
    r.paradex.holdings.set('BTC-USD-PERP', 0); // ...yet the short is gone (closed by hand)
    const { restarted } = restartedFrom(r);
    const restored = await restarted.restore();
    expect(restored.ok).toBe(false);
    expect(types(restored.events)).toContain('RECONCILIATION_MISMATCH');
    expect(restarted.halted()).toBe(true);
  });
});

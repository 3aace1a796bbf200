import * as fs from 'node:fs';
import { bookFromLevels } from '../../src/domain/order-book';
import type { Executor, OpenPosition } from '../../src/execution/executor';
import { openJournal, type Journal, type JournalEntry } from '../../src/execution/journal';
import type { PreparedOrder } from '../../src/venues/venue';
import { cleanUp, journals, kinds, openOk, opportunity, PAIR, rig, T0, types, type Rig } from './executor-rig';

afterEach(cleanUp);

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
    expect(r.exec.currentPosition()).toBeUndefined();
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
    expect(r.exec.isHalted()).toBe(true);
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
    // The unwind order is journalled before it is sent, like every order after the entry's own.
    expect(kinds(r.journal)).toEqual(['opening', 'leg_filled', 'leg_filled', 'unwind_order', 'leg_filled', 'unwound', 'entry_failed', 'halted']);

    const blocked = await r.exec.openPosition(opportunity(r));
    expect(blocked).toMatchObject({ ok: false, stage: 'preflight' });
    expect(!blocked.ok && blocked.reason).toMatch(/trading halted/);
    expect(r.vest.submitted).toHaveLength(2);

    expect(types(r.exec.clearHalt())).toEqual(['TRADING_RESUMED']);
    expect(r.exec.isHalted()).toBe(false);
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
    expect(r.exec.isHalted()).toBe(true);
    r.clock.now += 60_001;
    expect(r.exec.isHalted()).toBe(false);
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
    expect(r.exec.currentPosition()).toBeUndefined();
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
    expect(r.exec.isHalted()).toBe(true);
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
    expect(r.exec.currentPosition()).toEqual(p);
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
    expect(restarted.currentPosition()).toEqual(p);
    expect(restarted.isHalted()).toBe(false);
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
    expect(restarted.isHalted()).toBe(true);
    expect(restarted.currentPosition()).toBeUndefined();
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
    expect(r.exec.isHalted()).toBe(true);
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
    expect(r.exec.isHalted()).toBe(false);
  });

  it('keeps an unexpired halt across a restart', async () => {
    const r = rig();
    r.paradex.next({ kind: 'reject' });
    await r.exec.openPosition(opportunity(r));
    const restarted = r.make();
    const restored = await restarted.restore();
    expect(restored.ok).toBe(true);
    expect(restarted.isHalted()).toBe(true);
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
    expect(restarted.currentPosition()).toBeUndefined();
    expect(restarted.isHalted()).toBe(false);
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
    expect(restarted.isHalted()).toBe(false);
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
    expect(restarted.isHalted()).toBe(true);
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
    expect(restarted.isHalted()).toBe(false);
    expect(journal.lastState(PAIR)).toMatchObject({ phase: 'closing', closedSize: { long: p.size, short: 0 } });
    expect(r.vest.lookupRefsSeen).toContain(retry.lookupRef);
    const closed = await restarted.closePosition(restored.position!);
    expect(closed.ok).toBe(true);
    expect(closed.legs.long.attempts).toBe(0);
    expect(r.vest.submitted.map((o) => o.clientId).filter((id) => id === 'retry-1')).toHaveLength(1);
    expect(r.vest.submitted).toHaveLength(2); // the entry leg and the retry: nothing re-sent
    expect([r.vest.holding(), r.paradex.holding()]).toEqual([0, 0]);
  });

  it('after a crash mid-retry, an order lookup that fails is a venue it cannot read: restore retries with backoff instead of halting for good', async () => {
    const { r, p, retry } = await crashedMidRetry('retry-2');
    r.vest.failLookups = 1;
    const { restarted, journal } = restartedFrom(r);
    const first = await restarted.restore();
    expect(first).toMatchObject({ ok: false, retryInMs: 1000 });
    expect(first.reason).toMatch(/lookup failed .*retrying in 1 s \(attempt 1\)/);
    expect(types(first.events)).toEqual(['TRADING_HALTED']);
    expect(types(first.events)).not.toContain('RECONCILIATION_MISMATCH');
    expect(restarted.isHalted()).toBe(true);
    // The journal says a reconciliation is pending, not a halt an operator must clear.
    expect(journal.lastState(PAIR).halt).toMatchObject({ reconcile: true });

    const second = await restarted.restore();
    expect(second).toMatchObject({ ok: true, resumeClose: true });
    expect(types(second.events)).toContain('TRADING_RESUMED');
    expect(restarted.isHalted()).toBe(false);
    expect(journal.lastState(PAIR)).toMatchObject({ phase: 'closing', closedSize: { long: p.size, short: 0 } });
    expect(journal.lastState(PAIR).halt).toBeUndefined();
    expect(r.vest.lookupRefsSeen).toContain(retry.lookupRef);
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
    expect(restarted.isHalted()).toBe(true);
  });
});

describe('executor: fills found after the close', () => {
  /** Opens, then closes with the Paradex close order executed but its reply lost and every lookup failing. */
  async function closedWithLostReply(r: Rig): Promise<{ p: OpenPosition; closed: Awaited<ReturnType<Executor['closePosition']>> }> {
    const p = await openOk(r);
    r.paradex.next({ kind: 'timeoutExecuted' });
    r.paradex.failLookups = 6; // every lookup of the close (closeRetries + 1) fails
    r.vest.bid = 100_200;
    r.paradex.ask = 100_220;
    const closed = await r.exec.closePosition(p);
    return { p, closed };
  }

  it('a close whose fill stays unknown still reads flat, and records the order as a fill to find', async () => {
    const r = rig();
    const { closed } = await closedWithLostReply(r);
    expect(closed.ok).toBe(true);
    expect([r.vest.holding(), r.paradex.holding()]).toEqual([0, 0]);
    // Only the Vest leg's PnL is known at this point.
    expect(closed.grossPnlUsd).toBeCloseTo((100_200 - 100_010) * 0.01, 9);
    const state = r.journal.lastState(PAIR);
    expect(state.phase).toBe('flat');
    expect(state.pendingFills).toEqual([
      expect.objectContaining({ leg: 'short', venue: 'paradex', clientId: r.paradex.submitted[1]!.clientId, size: 0.01, entryPrice: 100_300 }),
    ]);
  });

  it('credits the late fill to that trade (PnL and fee) once a lookup finds it, and says so in an event', async () => {
    const r = rig();
    await closedWithLostReply(r);
    const late = await r.exec.settleLateFills();
    const fee = 0.01 * 100_220 * 0.00045;
    expect(late.creditedPnlUsd).toBeCloseTo((100_300 - 100_220) * 0.01, 9);
    expect(late.creditedFeesUsd).toBeCloseTo(fee, 12);
    expect(late.pending).toBe(0);
    expect(late.events).toEqual([
      expect.objectContaining({ type: 'FILL_CREDITED', pair: PAIR, venue: 'paradex', phase: 'close', filledSize: 0.01, avgPrice: 100_220, feeUsd: fee }),
    ]);
    expect(kinds(r.journal).slice(-2)).toEqual(['closed', 'fill_credited']);
    expect(r.journal.lastState(PAIR).pendingFills).toEqual([]);
    // Found once, credited once.
    expect((await r.exec.settleLateFills()).events).toEqual([]);
  });

  it('keeps looking, with backoff, while the lookup still fails; a restarted process finds it too', async () => {
    const r = rig();
    await closedWithLostReply(r);
    r.paradex.failLookups = 1;
    const miss = await r.exec.settleLateFills();
    expect(miss).toMatchObject({ events: [], pending: 1 });
    // Backing off: not looked up again at once.
    const lookups = r.paradex.lookups.length;
    expect((await r.exec.settleLateFills()).pending).toBe(1);
    expect(r.paradex.lookups).toHaveLength(lookups);

    r.journal.close();
    const journal = openJournal(r.journalPath);
    journals.push(journal);
    const restarted = r.make({ journal });
    expect((await restarted.restore()).ok).toBe(true);
    const found = await restarted.settleLateFills();
    expect(found.events.map((e) => e.type)).toEqual(['FILL_CREDITED']);
    expect(found.creditedPnlUsd).toBeCloseTo((100_300 - 100_220) * 0.01, 9);
  });
});

describe('executor: armed close orders over a long hold', () => {
  it('re-signs a close order valid for 4 s only near its own expiry, never at every check, and keeps the journal tail bounded', async () => {
    const r = rig();
    // Vest signs orders valid for 4 s (recvWindow 5 s less its send margin), Paradex for 9 s.
    r.vest.validForMs = 4_000;
    r.paradex.validForMs = 9_000;
    const vest = r.vest;
    const exec = r.exec;
    await openOk(r);
    const signVest = jest.spyOn(vest, 'prepareOrder');
    const signParadex = jest.spyOn(r.paradex, 'prepareOrder');
    const linesBefore = r.journal.entries(PAIR).length;
    const book = (bid: number, ask: number) => bookFromLevels([{ price: bid, size: 1 }], [{ price: ask, size: 1 }], { receivedAt: r.clock.now });
    const checks = 3_600; // one hour, checked once a second as the bot does
    let unusable = 0;
    for (let i = 0; i < checks; i++) {
      r.clock.now += 1_000;
      await exec.refreshPreparedClose({ a: book(100_000, 100_010), b: book(100_300, 100_310) });
      // At every check an armed close is ready for the exit: valid for at least the 1 s safety margin.
      const armed = r.journal.lastState(PAIR).armed;
      if (armed === undefined || armed.validUntil - r.clock.now < 1_000) unusable++;
    }
    expect(unusable).toBe(0);
    // A 4 s order lasts 3 checks (never signed at each one: that would be 3,600); a 9 s one lasts 8.
    expect(signVest.mock.calls.length).toBeLessThanOrEqual(checks / 3 + 1);
    expect(signVest.mock.calls.length).toBeGreaterThanOrEqual(checks / 4);
    expect(signParadex.mock.calls.length).toBeLessThanOrEqual(checks / 8 + 1);
    // One journal line per refreshed set, and the in-memory tail keeps only the latest armed set.
    const armedLines = r.journal.entries(PAIR).length - linesBefore;
    expect(armedLines).toBeLessThanOrEqual(signVest.mock.calls.length + signParadex.mock.calls.length);
    expect(r.journal.retainedEntries()).toBeLessThanOrEqual(5);
  });
});

describe('executor: a malformed journal entry', () => {
  it('halts the pair with a message naming the file, line and field, and still restores the position for monitoring', async () => {
    const r = rig();
    const p = await openOk(r);
    r.journal.close();
    // The 'open' line loses its entry spread (a hand edit, an older version's bug).
    const lines = fs.readFileSync(r.journalPath, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes('"kind":"open"'));
    const entry = JSON.parse(lines[at]!) as { position: Record<string, unknown> };
    delete entry.position.entrySpread;
    lines[at] = JSON.stringify(entry);
    fs.writeFileSync(r.journalPath, lines.join('\n'));

    const journal = openJournal(r.journalPath);
    journals.push(journal);
    const restarted = r.make({ journal });
    const restored = await restarted.restore();
    expect(restored.ok).toBe(true);
    expect(restored.position).toEqual(p); // the entry spread recomputed from the entry prices
    expect(restarted.currentPosition()).toEqual(p);
    expect(restarted.isHalted()).toBe(true);
    expect(restarted.haltReason()).toContain(`${r.journalPath}:${at + 1}: 'open' entry: position.entrySpread is missing`);
    expect(restarted.haltReason()).toContain('npm start -- resume --pair BTC-PERP');
    expect(types(restored.events)).toEqual(expect.arrayContaining(['TRADING_HALTED', 'POSITION_RESTORED']));
    // Halted: no new entry; the position closes normally.
    expect(await restarted.openPosition(opportunity(r))).toMatchObject({ ok: false, stage: 'preflight' });
    expect((await restarted.closePosition(p)).ok).toBe(true);

    // An operator resume acknowledges it: the next start trades again.
    expect(types(restarted.clearHalt())).toEqual(['TRADING_RESUMED']);
    const again = r.make({ journal });
    expect((await again.restore()).ok).toBe(true);
    expect(again.isHalted()).toBe(false);
  });
});

describe('executor: reconcile (what the resume command checks)', () => {
  it('agrees when the venues hold what the journal says, and names the disagreement otherwise, without trading or writing', async () => {
    const r = rig();
    await openOk(r);
    const linesBefore = r.journal.entries(PAIR).length;
    expect(await r.exec.reconcile()).toMatchObject({ status: 'agree', detail: expect.stringContaining('the venues hold what the journal expects (open AOverB 0.01)') });
    r.paradex.holdings.set('BTC-USD-PERP', 0);
    expect(await r.exec.reconcile()).toMatchObject({ status: 'mismatch', detail: 'paradex BTC-USD-PERP: journal expects short 0.01, venue reports flat' });
    r.vest.failPositions = 1;
    expect(await r.exec.reconcile()).toMatchObject({ status: 'unreadable', detail: expect.stringContaining('positions unreadable') });
    expect(r.journal.entries(PAIR)).toHaveLength(linesBefore);
    expect(r.vest.submitted.length + r.paradex.submitted.length).toBe(2);
  });

  it('compares recorded exposure against flat as if an operator resumed it', async () => {
    const r = rig({ closeRetries: 0 });
    r.paradex.next({ kind: 'reject' });
    r.vest.next({ kind: 'fill' }, { kind: 'reject', reason: 'MARKET_CLOSED' });
    await r.exec.openPosition(opportunity(r));
    expect(r.journal.lastState(PAIR).phase).toBe('exposed');
    expect((await r.exec.reconcile({ asIfResumed: true })).detail).toBe('vest BTC-PERP: journal expects flat, venue reports long 0.01');
    r.vest.holdings.set('BTC-PERP', 0); // the operator flattened it by hand
    expect(await r.exec.reconcile({ asIfResumed: true })).toMatchObject({ status: 'agree' });
  });
});

describe('executor: a halt cleared by an operator from another process', () => {
  it('is picked up by the running executor, which trades again', async () => {
    const r = rig();
    r.vest.holdings.set('BTC-PERP', 0.02); // unknown exposure: halted for an operator
    expect((await r.exec.openPosition(opportunity(r))).ok).toBe(false);
    expect(r.exec.isHalted()).toBe(true);
    expect(r.exec.pollOperatorResume()).toEqual([]);

    r.vest.holdings.set('BTC-PERP', 0); // the operator fixed the venue, then ran `resume`
    const command = openJournal(r.journalPath);
    journals.push(command);
    command.append({ kind: 'resumed', pair: PAIR, time: r.clock.now, operator: true });

    expect(types(r.exec.pollOperatorResume())).toEqual(['TRADING_RESUMED']);
    expect(r.exec.isHalted()).toBe(false);
    expect((await r.exec.openPosition(opportunity(r))).ok).toBe(true);
  });
});

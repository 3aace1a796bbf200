import * as fs from 'node:fs';
import { cleanUp, kinds, opportunity, PAIR, rig, T0, types } from './executor-rig';

afterEach(cleanUp);

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
    // Its price PnL: the sell's fill against the buy's (each from its own ORDER_FILLED), realised now.
    const [buy, sell] = res.events.filter((e) => e.type === 'ORDER_FILLED' && e.venue === 'vest');
    expect(buy && sell && buy.type === 'ORDER_FILLED' && sell.type === 'ORDER_FILLED').toBe(true);
    if (buy?.type === 'ORDER_FILLED' && sell?.type === 'ORDER_FILLED' && unwound?.type === 'LEG_UNWOUND') {
      expect(unwound.grossPnlUsd).toBeCloseTo((sell.avgPrice - buy.avgPrice) * 0.01, 9);
    }
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

import * as fs from 'node:fs';
import { bookFromLevels } from '../../src/domain/order-book';
import type { Executor, OpenPosition } from '../../src/execution/executor';
import { openJournal, type Journal, type JournalEntry } from '../../src/execution/journal';
import type { PreparedOrder } from '../../src/venues/venue';
import { cleanUp, journals, kinds, openOk, PAIR, rig, types, type Rig } from './executor-rig';

afterEach(cleanUp);

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

  it('hands both armed legs to their venues within the closePosition call: no promise hop before the orders', async () => {
    const { r, p } = await armedRig();
    const sent = { vest: r.vest.submitted.length, paradex: r.paradex.submitted.length };
    const closing = r.exec.closePosition(p);
    expect([r.vest.submitted.length - sent.vest, r.paradex.submitted.length - sent.paradex]).toEqual([1, 1]);
    await expect(closing).resolves.toMatchObject({ ok: true, preparedUsed: 2 });
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

import * as fs from 'node:fs';
import { openJournal } from '../../src/execution/journal';
import { cleanUp, journals, openOk, opportunity, PAIR, rig, T0, types } from './executor-rig';

afterEach(cleanUp);

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

  it('journals each leg’s funding index at entry and a restart keeps it; a journal without it still loads (funding unknown)', async () => {
    const r = rig();
    // AOverB: long A (vest), short B (paradex).
    const funding = { a: { ratePerHour: -0.00001, index: 50, at: T0 }, b: { ratePerHour: 0.00005, index: 1_200, at: T0 } };
    const res = await r.exec.openPosition(opportunity(r), funding);
    if (!res.ok) throw new Error(res.reason);
    expect(res.position.fundingIndexAtEntry).toEqual({ long: 50, short: 1_200 });
    r.journal.close();
    const journal = openJournal(r.journalPath);
    journals.push(journal);
    const restored = await r.make({ journal }).restore();
    expect(restored.position?.fundingIndexAtEntry).toEqual({ long: 50, short: 1_200 });
    // The same journal as an older version wrote it: no fundingIndexAtEntry. It loads, nothing is halted, funding is unknown.
    journal.close();
    const lines = fs.readFileSync(r.journalPath, 'utf8').split('\n').map((l) => l.replace(/,"fundingIndexAtEntry":\{[^}]*\}/, ''));
    expect(lines.join('\n')).not.toContain('fundingIndexAtEntry');
    fs.writeFileSync(r.journalPath, lines.join('\n'));
    const older = openJournal(r.journalPath);
    journals.push(older);
    const restarted = r.make({ journal: older });
    const again = await restarted.restore();
    expect(again.ok).toBe(true);
    expect(again.position).toBeDefined();
    expect(again.position!.fundingIndexAtEntry).toBeUndefined();
    expect(restarted.isHalted()).toBe(false);
  });

  it('a restored position keeps the USDC/USD it was opened at: its close counts fees and PnL at that rate, not the new run\'s', async () => {
    const r = rig({ usdcUsd: 0.98 });
    const p = await openOk(r);
    expect(p.usdcUsd).toBe(0.98);
    r.journal.close();
    const journal = openJournal(r.journalPath);
    journals.push(journal);
    const restarted = r.make({ journal, usdcUsd: 1.02 }); // the new run assumes another rate
    const restored = await restarted.restore();
    expect(restored.position?.usdcUsd).toBe(0.98);
    r.vest.bid = 100_200;
    r.paradex.ask = 100_220;
    const closed = await restarted.closePosition(restored.position!);
    expect(closed.ok).toBe(true);
    // Exit fees (USDC) at 0.98; the Vest (USDC) leg's PnL at 0.98, the Paradex (USD) leg's as is.
    const exitFees = closed.events.flatMap((e) => (e.type === 'ORDER_FILLED' ? [e.feeUsd] : []));
    expect(exitFees[0]).toBeCloseTo(0.01 * 100_200 * 0.0001 * 0.98, 12);
    expect(exitFees[1]).toBeCloseTo(0.01 * 100_220 * 0.00045 * 0.98, 12);
    const entryFeesUsdc = 0.01 * 100_010 * 0.0001 + 0.01 * 100_300 * 0.00045;
    expect(closed.feesUsd).toBeCloseTo(entryFeesUsdc * 0.98 + exitFees[0]! + exitFees[1]!, 12);
    expect(closed.grossPnlUsd).toBeCloseTo((100_200 - 100_010) * 0.01 * 0.98 + (100_300 - 100_220) * 0.01, 9);
  });

  it('finishes an interrupted entry at the rate journalled with it, not the new run\'s', async () => {
    const r = rig({ usdcUsd: 0.98 });
    const p = await openOk(r);
    // The same journal without the 'open' line: the process stopped after both fills were journalled.
    r.journal.close();
    const lines = fs.readFileSync(r.journalPath, 'utf8').split('\n').filter((l) => l !== '');
    const opening = lines.find((l) => l.includes('"kind":"opening"'));
    expect(opening).toContain('"usdcUsd":0.98');
    fs.writeFileSync(r.journalPath, lines.filter((l) => !/"kind":"(open|close_armed)"/.test(l)).join('\n') + '\n');
    const journal = openJournal(r.journalPath);
    journals.push(journal);
    const restored = await r.make({ journal, usdcUsd: 1 }).restore();
    expect(restored.ok).toBe(true);
    expect(restored.position?.usdcUsd).toBe(0.98);
    expect(restored.position?.entrySpread).toBeCloseTo(p.entrySpread, 12);
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

describe('executor: the loss limit across a restart', () => {
  it('a loss-limit halt is journalled: the next process (a crash loop) stays halted until an operator resumes', async () => {
    const r = rig();
    const reason = 'max loss reached: realised net -12.50 USD <= -10 USD';
    expect(r.exec.haltUntilResumed(reason)).toEqual([expect.objectContaining({ type: 'TRADING_HALTED', pair: PAIR, reason })]);
    expect(r.journal.lastState(PAIR).halt).toMatchObject({ reason });
    expect(r.journal.lastState(PAIR).halt?.until).toBeUndefined();

    const restarted = r.make({ journal: r.journal });
    const restored = await restarted.restore();
    expect(restored.ok).toBe(true);
    expect(restarted.isHalted()).toBe(true);
    // Stated as the previous run's, so this run's own (fresh) loss limit is not taken as reached.
    const said = restored.events.find((e) => e.type === 'TRADING_HALTED') as { reason: string } | undefined;
    expect(said?.reason).toBe(`a previous run stopped at its loss limit (${reason}); kept until an operator resumes: npm start -- resume --pair ${PAIR} --reset-loss-budget`);
    expect(said?.reason.startsWith('max loss reached')).toBe(false);
    expect(await restarted.openPosition(opportunity(r))).toMatchObject({ ok: false, stage: 'preflight' });

    expect(types(restarted.clearHalt())).toEqual(['TRADING_RESUMED']);
    const again = r.make({ journal: r.journal });
    expect((await again.restore()).ok).toBe(true);
    expect(again.isHalted()).toBe(false);
  });
});

describe('executor: the loss budget is the journal’s', () => {
  it('what one process counted, the next one starts from (a crash loop does not refill it)', () => {
    const r = rig();
    expect(r.exec.lossOnRecord()).toEqual({ netUsd: 0 });
    r.exec.recordRealised('ORDER_FILLED', -0.25);
    r.exec.recordRealised('POSITION_CLOSED', -6);
    const first = r.exec.lossOnRecord();
    expect(first).toEqual({ netUsd: -6.25, since: expect.any(Number) });
    // Two restarts in a row, the second counting more: each goes on from the journal's figure.
    const second = r.make({ journal: r.journal });
    expect(second.lossOnRecord()).toEqual(first);
    second.recordRealised('LEG_UNWOUND', -1);
    expect(r.make({ journal: r.journal }).lossOnRecord()).toEqual({ netUsd: -7.25, since: first.since });
    expect(r.journal.entries(PAIR).filter((e) => e.kind === 'realised').map((e) => e.kind === 'realised' && [e.event, e.deltaUsd, e.netUsd])).toEqual([
      ['ORDER_FILLED', -0.25, -0.25],
      ['POSITION_CLOSED', -6, -6.25],
      ['LEG_UNWOUND', -1, -7.25],
    ]);
  });

  it('a plain resume clears the halt but not the budget; resume with resetLossBudget starts it again from its time', () => {
    const r = rig();
    r.exec.recordRealised('POSITION_CLOSED', -12);
    r.exec.haltUntilResumed('max loss reached: realised net -12.00 USD <= -10 USD');
    expect(types(r.exec.clearHalt())).toEqual(['TRADING_RESUMED']);
    expect(r.exec.lossOnRecord().netUsd).toBe(-12);
    r.exec.clearHalt({ resetLossBudget: true });
    const reset = r.make({ journal: r.journal }).lossOnRecord();
    expect(reset).toEqual({ netUsd: 0, since: expect.any(Number) });
    r.exec.recordRealised('ORDER_FILLED', -0.5);
    expect(r.exec.lossOnRecord()).toEqual({ netUsd: -0.5, since: reset.since });
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

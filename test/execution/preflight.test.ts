import { cleanUp, kinds, openOk, opportunity, rig } from './executor-rig';

afterEach(cleanUp);

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

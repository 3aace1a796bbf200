import { cleanUp, opportunity, rig } from './executor-rig';

afterEach(cleanUp);

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

import { ENTRY_OUTCOME_WAIT_MS } from '../../src/execution/entry';
import { cleanUp, kinds, opportunity, rig } from './executor-rig';
import type { FakeVenue } from './fake-venue';

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

describe('executor: a venue that answers nothing during an entry (an outage)', () => {
  /** From the venue's next order on (after the entry's preflight read its positions), `reads` position reads fail. */
  function outageFromOrder(venue: FakeVenue, reads: number): void {
    const submit = venue.submitOrder.bind(venue);
    venue.submitOrder = (prepared) => {
      venue.failPositions = reads;
      venue.failLookups = 1_000;
      return submit(prepared);
    };
  }

  it('reads its positions again until it answers, then concludes the entry: the lone leg is unwound, not left for an operator', async () => {
    const r = rig();
    r.vest.next({ kind: 'timeoutLost' }); // the Vest leg never reached the venue; no reply
    outageFromOrder(r.vest, 7); // every look-up by client id fails, and seven position reads running, then it is back
    const res = await r.exec.openPosition(opportunity(r));
    expect(res).toMatchObject({ ok: false, stage: 'execution' });
    expect(r.vest.failPositions).toBe(0);
    expect(r.vest.holding()).toBe(0);
    expect(r.paradex.holding()).toBe(0);
    expect(res.events.find((e) => e.type === 'LEG_UNWOUND')).toMatchObject({ venue: 'paradex', size: -0.01, ok: true });
    expect(kinds(r.journal)).not.toContain('exposed');
    expect(kinds(r.journal)).toContain('entry_failed');
  });

  it('opens the position when the silent leg turns out to have filled', async () => {
    const r = rig();
    r.vest.next({ kind: 'timeoutExecuted' }); // executed, the reply lost
    outageFromOrder(r.vest, 3);
    const res = await r.exec.openPosition(opportunity(r));
    expect(res.ok).toBe(true);
    expect(r.vest.holding()).toBeCloseTo(0.01, 12);
    expect(r.paradex.holding()).toBeCloseTo(-0.01, 12);
    expect(kinds(r.journal)).toContain('open');
  });

  it('a stop while it waits (detach) leaves the entry unfinished in the journal for the next start, not a guessed exposure', async () => {
    const r = rig();
    let pauses = 0;
    const exec = r.make({
      sleep: () => {
        if (++pauses === 3) exec.detach();
        return Promise.resolve();
      },
    });
    r.vest.next({ kind: 'timeoutLost' });
    outageFromOrder(r.vest, 1_000_000);
    const res = await exec.openPosition(opportunity(r));
    expect(res).toMatchObject({ ok: false, stage: 'execution', halted: false });
    expect(!res.ok && res.reason).toMatch(/stopped before a silent venue answered: the next start finishes this entry/);
    expect(kinds(r.journal)).not.toContain('exposed');
    expect(r.journal.lastState('BTC-PERP')).toMatchObject({ phase: 'opening' });
    expect(exec.exposureNow()).toMatchObject({ note: expect.stringMatching(/unfinished/) });
  });

  it('leaves the pair halted for an operator when the venue stays silent for ENTRY_OUTCOME_WAIT_MS', async () => {
    const r = rig();
    const paused: number[] = [];
    const exec = r.make({
      sleep: (ms: number) => {
        paused.push(ms);
        r.clock.now += ms;
        return Promise.resolve();
      },
    });
    r.vest.next({ kind: 'timeoutLost' });
    outageFromOrder(r.vest, 1_000_000);
    const started = r.clock.now;
    const res = await exec.openPosition(opportunity(r));
    expect(res).toMatchObject({ ok: false, halted: true });
    expect(!res.ok && res.reason).toMatch(/order outcome unknown and positions unreadable: vest BTC-PERP long leg/);
    expect(kinds(r.journal)).toContain('exposed');
    // It waited the whole ENTRY_OUTCOME_WAIT_MS (not longer), backing off to at most 5 s between reads.
    expect(r.clock.now - started).toBeGreaterThanOrEqual(ENTRY_OUTCOME_WAIT_MS);
    expect(r.clock.now - started).toBeLessThan(ENTRY_OUTCOME_WAIT_MS + 10_000);
    expect(Math.max(...paused)).toBe(5_000);
    // The hedge leg is still held (unwinding it while the silent leg's outcome is unknown could leave that one alone).
    expect(r.paradex.holding()).toBeCloseTo(-0.01, 12);
  });
});

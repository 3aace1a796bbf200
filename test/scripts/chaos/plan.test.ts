import { BAD_INPUTS, combinations, describeTrial, DISK_STAGES, FEED_FAULTS, KILL_STAGES, ORDER_FAULTS, planTrials, trialKey } from '../../../scripts/chaos/plan';

describe('the campaign plan', () => {
  it('is the same for the same seed and count, and differs for another seed', () => {
    expect(planTrials(7, 60)).toEqual(planTrials(7, 60));
    expect(planTrials(8, 60).map((t) => t.key)).not.toEqual(planTrials(7, 60).map((t) => t.key));
  });

  it('covers every case once in any full pass: each kill stage with both signals and both timings, every fault, every bad input, each full-disk stage', () => {
    const all = combinations().map(trialKey);
    expect(all).toHaveLength(KILL_STAGES.length * 2 * 2 + ORDER_FAULTS.length * 2 + FEED_FAULTS.length * 2 + BAD_INPUTS.length + DISK_STAGES.length);
    expect(all).toHaveLength(47);
    expect(new Set(all).size).toBe(all.length);
    const plan = planTrials(3, all.length * 2);
    expect(new Set(plan.slice(0, all.length).map((t) => t.key))).toEqual(new Set(all));
    expect(new Set(plan.slice(all.length).map((t) => t.key))).toEqual(new Set(all));
    expect(all).toEqual(
      expect.arrayContaining(['kill/SIGKILL/entry-leg1/before-exec', 'kill/SIGINT/unwinding/after-exec', 'kill/SIGKILL/closing/after-exec', 'order-fault/outage-entry/vest', 'order-fault/outage-close/paradex', 'disk-full/entry', 'disk-full/open']),
    );
  });

  it('numbers trials from 1 and draws delays within their ranges', () => {
    const plan = planTrials(1, 100);
    expect(plan.map((t) => t.id)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    for (const t of plan) {
      if (t.kind === 'order-fault') {
        const outage = t.fault === 'outage-entry' || t.fault === 'outage-close';
        if (outage) expect(t.outageMs).toBeGreaterThanOrEqual(1_000);
        if (outage) expect(t.outageMs).toBeLessThanOrEqual(20_000);
        else expect(t.outageMs).toBeUndefined();
      }
      if (t.kind !== 'kill') continue;
      expect(t.settleMs).toBeGreaterThanOrEqual(300);
      expect(t.settleMs).toBeLessThanOrEqual(3_500);
      expect(t.answerDelayMs).toBeGreaterThanOrEqual(300);
      expect(t.killDelayMs).toBeLessThan(t.answerDelayMs);
    }
  });

  it('keeps only the cases asked for, and refuses a filter that matches nothing', () => {
    const plan = planTrials(1, 10, { only: ['kill/SIGKILL/open', 'bad-input/flag'] });
    expect(new Set(plan.map((t) => t.key))).toEqual(new Set(['kill/SIGKILL/open/before-exec', 'kill/SIGKILL/open/after-exec', 'bad-input/flag']));
    expect(() => planTrials(1, 5, { only: ['kill/SIGHUP'] })).toThrow(/matches no trial/);
    expect(() => planTrials(1, -1)).toThrow(RangeError);
  });

  it('describes a trial by its fault, stage and the delays that matter', () => {
    const [kill] = planTrials(1, 1, { only: ['kill/SIGKILL/entry-both/before-exec'] });
    expect(describeTrial(kill!)).toMatch(/^kill -9 at entry-both, before the venue executes \(venues settle \d+ ms after accepting\)$/);
    const [unwind] = planTrials(1, 1, { only: ['kill/SIGINT/unwinding/after-exec'] });
    expect(describeTrial(unwind!)).toMatch(/^SIGINT at unwinding, (paradex|vest) rejecting its entry leg, after the venue executed, before its answer/);
    const [fault] = planTrials(1, 1, { only: ['order-fault/timeout-after-exec/vest'] });
    expect(describeTrial(fault!)).toBe('vest executes the next order and never answers');
    const [outage] = planTrials(1, 1, { only: ['order-fault/outage-close/paradex'] });
    expect(describeTrial(outage!)).toMatch(/^paradex trading API down \d+ ms from the next close order on \(503 to every request, nothing executed\)$/);
    const [disk] = planTrials(1, 1, { only: ['disk-full/open'] });
    expect(describeTrial(disk!)).toMatch(/^the disk holding the journal and the run folder full with a position open/);
  });
});

/**
 * lossLimit: the run-wide realised net PnL and the halt of entries at −maxLossUsd. `reached$` is checked
 * in virtual time, so the frame at which the limit trips is part of the expectation.
 */
import { TestScheduler } from 'rxjs/testing';
import { lossLimit } from '../../streams/loss-limit';

const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('lossLimit', () => {
  it('sums gross PnL minus fees into the realised net figure', () => {
    const limit = lossLimit(10);
    limit.record(3, 0.5);
    limit.record(-1.25, 0.25);
    expect(limit.realisedNetUsd).toBe(1);
    expect(limit.halted).toBe(false);
    expect(limit.maxLossUsd).toBe(10);
  });

  it('counts funding in the realised net: a carry that was paid can trip the limit on its own', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const limit = lossLimit(1);
      //                 gross, fees, funding → realised net: 0.5 − 0.1 − 0.5 = −0.1, then −0.1 + 0 − 0 − 0.9 = −1.0
      cold('-a--b|', { a: [0.5, 0.1, -0.5], b: [0, 0, -0.9] } as const).subscribe(([gross, fees, funding]) => limit.record(gross, fees, funding));
      cold('-----|').subscribe({ complete: () => limit.close() });
      expectObservable(limit.reached$).toBe('----r|', { r: expect.closeTo(-1, 9) as number });
    });
  });

  it('trips when the realised net loss reaches max_loss_usd exactly, reporting the net figure once', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const limit = lossLimit(2);
      const trades = { w: [1, 0.5], l: [-2, 0.5], x: [-1, 0] } as const;
      //            realised net:  0.5   −2.0 (= −limit)   −3.0
      cold('-w--l--x|', trades).subscribe(([gross, fees]) => limit.record(gross, fees));
      cold('--------|').subscribe({ complete: () => limit.close() });
      expectObservable(limit.reached$).toBe('----r---|', { r: -2 });
    });
  });

  it('does not trip while the loss is short of the limit', () => {
    const limit = lossLimit(2);
    const seen: number[] = [];
    limit.reached$.subscribe((net) => seen.push(net));
    limit.record(-1.5, 0.49);
    expect(limit.realisedNetUsd).toBeCloseTo(-1.99, 12);
    expect(limit.halted).toBe(false);
    expect(seen).toEqual([]);
  });

  it('counts fees: a gross loss under the limit trips it once fees take the net past', () => {
    const limit = lossLimit(2);
    limit.record(-1.8, 0.3);
    expect(limit.halted).toBe(true);
    expect(limit.realisedNetUsd).toBeCloseTo(-2.1, 12);
  });

  it('stays halted for the rest of the run even when later trades win the loss back', () => {
    const limit = lossLimit(1);
    limit.record(-1, 0);
    limit.record(5, 0);
    expect(limit.halted).toBe(true);
    expect(limit.realisedNetUsd).toBe(4);
  });

  it('replays the trip to a subscriber that comes after it', () => {
    testScheduler().run(({ expectObservable }) => {
      const limit = lossLimit(1);
      limit.record(-3, 0);
      limit.close();
      expectObservable(limit.reached$).toBe('(r|)', { r: -3 });
    });
  });

  it('never trips without a limit, whatever the loss', () => {
    testScheduler().run(({ expectObservable }) => {
      const limit = lossLimit(undefined);
      limit.record(-1e9, 1e6);
      limit.close();
      expect(limit.halted).toBe(false);
      expect(limit.maxLossUsd).toBeUndefined();
      expectObservable(limit.reached$).toBe('|');
    });
  });
});

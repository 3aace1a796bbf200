import { TestScheduler } from 'rxjs/testing';
import { carryBasis$ } from '../../streams/carry-basis';

describe('carryBasis$', () => {
  it('emits no rates at once, then both venues\' hourly rates and the hold as either changes', () => {
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ hot, expectObservable }) => {
      const snap = (a: number, b: number) => ({ a: { ratePerHour: a, index: 0, at: 0 }, b: { ratePerHour: b, index: 0, at: 0 } });
      const funding$ = hot('--f---g-', { f: snap(1e-5, 2e-5), g: snap(-1e-5, 2e-5) });
      const hold$ = hot('    h---m---', { h: { hours: 1, from: 'fallback' as const }, m: { hours: 0.5, from: 'observed_median' as const } });
      expectObservable(carryBasis$(funding$, hold$)).toBe('x-y-z-w-', {
        x: { rates: undefined, hold: { hours: 1, from: 'fallback' } },
        y: { rates: { a: 1e-5, b: 2e-5 }, hold: { hours: 1, from: 'fallback' } },
        z: { rates: { a: 1e-5, b: 2e-5 }, hold: { hours: 0.5, from: 'observed_median' } },
        w: { rates: { a: -1e-5, b: 2e-5 }, hold: { hours: 0.5, from: 'observed_median' } },
      });
    });
  });
});

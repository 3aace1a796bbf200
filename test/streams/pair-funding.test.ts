/** pairFunding in virtual time: both venues needed, then every update of either. */
import { TestScheduler } from 'rxjs/testing';
import type { FundingSnapshot } from '../../src/domain/funding';
import { pairFunding } from '../../streams/pair-funding';

const snap = (index: number): FundingSnapshot => ({ ratePerHour: 1e-5, index, at: index });
const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('pairFunding', () => {
  it('waits for both venues, then emits on every update of either, A as dex_a', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const a$ = hot('-a----c--|', { a: snap(1), c: snap(3) });
      const b$ = hot('---b----d|', { b: snap(2), d: snap(4) });
      const out = '   ---x--y-z|';
      expectObservable(pairFunding(a$, b$)).toBe(out, {
        x: { a: snap(1), b: snap(2) },
        y: { a: snap(3), b: snap(2) },
        z: { a: snap(3), b: snap(4) },
      });
    });
  });

  it('emits nothing while one venue has never answered', () => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const a$ = hot('-a-a-a-', { a: snap(1) });
      const b$ = hot<FundingSnapshot>('-------');
      expectObservable(pairFunding(a$, b$), '^-----!').toBe('-------');
      expectSubscriptions(b$.subscriptions).toBe('^-----!');
    });
  });
});

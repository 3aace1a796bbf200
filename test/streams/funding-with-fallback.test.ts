/** fundingWithFallback in virtual time: WS first, REST only while the WS is silent, refused or gone. */
import { TestScheduler } from 'rxjs/testing';
import type { FundingSnapshot } from '../../src/domain/funding';
import { fundingWithFallback, newFundingSourceStats } from '../../streams/funding-with-fallback';

const snap = (at: number, index = at): FundingSnapshot => ({ ratePerHour: 0.0001, index, at });
const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('fundingWithFallback', () => {
  it('passes the WS figures and never polls REST while the WS keeps delivering', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const ws = cold('     -a--b--c--d', { a: snap(1), b: snap(4), c: snap(7), d: snap(10) });
      const rest = cold('   r', { r: snap(0) });
      const expected = '    -a--b--c--d';
      expectObservable(ws.pipe(fundingWithFallback({ fallback$: rest, silenceMs: 5 })), '^ 12ms !').toBe(expected, { a: snap(1), b: snap(4), c: snap(7), d: snap(10) });
      expectSubscriptions(rest.subscriptions).toBe([]);
    });
  });

  it('polls REST when the WS has delivered nothing within the bound from the start', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const ws = cold<FundingSnapshot>('-');
      const rest = cold('   r 4ms s', { r: snap(5), s: snap(10) });
      const expected = '    5ms r 4ms s';
      expectObservable(ws.pipe(fundingWithFallback({ fallback$: rest, silenceMs: 5 })), '^ 12ms !').toBe(expected, { r: snap(5), s: snap(10) });
      expectSubscriptions(rest.subscriptions).toBe('5ms ^ 7ms !');
    });
  });

  it('takes REST over during a WS stall and drops it as soon as the WS delivers again', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const stats = newFundingSourceStats();
      const ws = cold('     -a 9ms b', { a: snap(1), b: snap(11) });
      const rest = cold('   r 2ms s 9ms t', { r: snap(6), s: snap(9), t: snap(19) });
      const expected = '    -a 4ms r 2ms s-b';
      expectObservable(ws.pipe(fundingWithFallback({ fallback$: rest, silenceMs: 5, stats })), '^ 14ms !').toBe(expected, {
        a: snap(1),
        r: snap(6),
        s: snap(9),
        b: snap(11),
      });
      //                                   stall from 1 + 5 = 6, WS back at 11
      expectSubscriptions(rest.subscriptions).toBe('6ms ^ 4ms !');
      flush();
      expect(stats).toEqual({ wsUpdates: 2, restUpdates: 2, fallbacks: 1, source: 'ws' });
    });
  });

  it('switches to REST at once, and for good, when the venue refuses the channel', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const ws = cold<FundingSnapshot>('--#', undefined, new Error('Paradex refused funding_data.BTC-USD-PERP'));
      const rest = cold('   r 9ms s 9ms t', { r: snap(2), s: snap(12), t: snap(22) });
      const expected = '    --r 9ms s 9ms t';
      expectObservable(ws.pipe(fundingWithFallback({ fallback$: rest, silenceMs: 5 })), '^ 24ms !').toBe(expected, { r: snap(2), s: snap(12), t: snap(22) });
      expectSubscriptions(rest.subscriptions).toBe('--^ 22ms !');
    });
  });

  it('keeps REST after the WS stream ends, and the output does not end with it', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const ws = cold('     -a|', { a: snap(1) });
      const rest = cold('   r 4ms s', { r: snap(2), s: snap(7) });
      expectObservable(ws.pipe(fundingWithFallback({ fallback$: rest, silenceMs: 50 })), '^ 10ms !').toBe('-ar 4ms s', { a: snap(1), r: snap(2), s: snap(7) });
    });
  });

  it('never lets a figure go back in time when the source changes', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const ws = cold('     -a', { a: snap(10) });
      // REST answers with a row older than the WS figure first (it is dropped), then a newer one.
      const rest = cold('   r 2ms s', { r: snap(8), s: snap(12) });
      expectObservable(ws.pipe(fundingWithFallback({ fallback$: rest, silenceMs: 5 })), '^ 12ms !').toBe('-a 7ms s', { a: snap(10), s: snap(12) });
    });
  });

  it('subscribes the WS source once', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const ws = cold('     -a', { a: snap(1) });
      const rest = cold<FundingSnapshot>('-');
      expectObservable(ws.pipe(fundingWithFallback({ fallback$: rest, silenceMs: 5 })), '^ 8ms !').toBe('-a', { a: snap(1) });
      expectSubscriptions(ws.subscriptions).toBe('^ 8ms !');
    });
  });
});

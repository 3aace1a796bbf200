/** fundingFeed in virtual time: polling, drops counted, no stacked polls, errors as values. */
import { TestScheduler } from 'rxjs/testing';
import type { FundingSnapshot } from '../../src/domain/funding';
import type { FundingDecoded } from '../../src/venues/funding';
import { fundingFeed, newFundingFeedStats } from '../../streams/funding-feed';

const snap = (index: number, at: number): FundingSnapshot => ({ ratePerHour: 0.0001, index, at });
const ok = (s: FundingSnapshot): FundingDecoded => ({ ok: true, snapshot: s });
const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('fundingFeed', () => {
  it('polls every period and emits each new snapshot once', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const polls = [ok(snap(1, 0)), ok(snap(1, 0)), ok(snap(2, 20))];
      let i = 0;
      const fetch = () => cold('-(r|)', { r: polls[Math.min(i++, polls.length - 1)]! });
      // polls at 0, 10, 20 answer at 1, 11, 21; the unchanged one at 11 is not repeated
      expectObservable(fundingFeed({ fetch, periodMs: 10 }), '^ 25ms !').toBe('-a 19ms b', { a: snap(1, 0), b: snap(2, 20) });
    });
  });

  it('counts and drops a malformed poll and keeps polling', () => {
    testScheduler().run(({ cold, expectObservable, flush }) => {
      const stats = newFundingFeedStats();
      const answers: FundingDecoded[] = [{ ok: false, reason: 'paradex funding row: funding_index: missing decimal' }, ok(snap(3, 10))];
      let i = 0;
      const fetch = () => cold('(r|)', { r: answers[Math.min(i++, 1)]! });
      expectObservable(fundingFeed({ fetch, periodMs: 10, stats }), '^ 15ms !').toBe('10ms a', { a: snap(3, 10) });
      flush();
      expect(stats).toEqual({ polls: 2, dropped: 1, lastDropReason: 'paradex funding row: funding_index: missing decimal' });
    });
  });

  it('turns a thrown fetch into a drop: the feed never dies', () => {
    testScheduler().run(({ cold, expectObservable, flush }) => {
      const stats = newFundingFeedStats();
      let i = 0;
      const fetch = () => (i++ === 0 ? cold<FundingDecoded>('#', undefined, new Error('socket hang up')) : cold('(r|)', { r: ok(snap(4, 10)) }));
      expectObservable(fundingFeed({ fetch, periodMs: 10, stats }), '^ 15ms !').toBe('10ms a', { a: snap(4, 10) });
      flush();
      expect(stats.dropped).toBe(1);
      expect(stats.lastDropReason).toBe('socket hang up');
    });
  });

  it('skips a poll while the previous one is still in flight (exhaustMap)', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const slow = cold('15ms (r|)', { r: ok(snap(5, 0)) });
      // ticks at 0, 10, 20: the one at 10 falls inside the first poll and is skipped; 20 polls again
      expectObservable(fundingFeed({ fetch: () => slow, periodMs: 10 }), '^ 30ms !').toBe('15ms a', { a: snap(5, 0) });
      expectSubscriptions(slow.subscriptions).toBe(['^ 14ms !', '20ms ^ 10ms !']);
    });
  });
});

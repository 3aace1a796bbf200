/** fundingSnapshots: answers become snapshots; failures counted and dropped; repeats not re-emitted. */
import { TestScheduler } from 'rxjs/testing';
import type { FundingSnapshot } from '../../src/domain/funding';
import type { FundingDecoded } from '../../src/venues/funding';
import { fundingSnapshots, newFundingFeedStats } from '../../streams/funding-snapshots';

const snap = (index: number, at: number): FundingSnapshot => ({ ratePerHour: 0.0001, index, at });
const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('fundingSnapshots', () => {
  it('hands on each new snapshot once, at the moment its answer arrives', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const answers = hot<FundingDecoded>('-a--b--c--|', { a: { ok: true, snapshot: snap(1, 0) }, b: { ok: true, snapshot: snap(1, 0), raw: { x: 1 } }, c: { ok: true, snapshot: snap(2, 9) } });
      expectObservable(answers.pipe(fundingSnapshots())).toBe('-a-----c--|', { a: snap(1, 0), c: snap(2, 9) });
    });
  });

  it('counts a failed answer, drops it and keeps the last good snapshot standing', () => {
    testScheduler().run(({ hot, expectObservable, flush }) => {
      const stats = newFundingFeedStats();
      const answers = hot<FundingDecoded>('-a--x--b-|', { a: { ok: true, snapshot: snap(1, 0) }, x: { ok: false, reason: 'vest funding: HTTP 503' }, b: { ok: true, snapshot: snap(2, 7) } });
      expectObservable(answers.pipe(fundingSnapshots(stats))).toBe('-a-----b-|', { a: snap(1, 0), b: snap(2, 7) });
      flush();
      expect(stats).toEqual({ polls: 3, dropped: 1, lastDropReason: 'vest funding: HTTP 503' });
    });
  });
});

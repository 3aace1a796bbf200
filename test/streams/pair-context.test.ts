/**
 * pairContext: what one pair's streams share, built over fake venues in virtual time. The ticks are shared and
 * replay the latest one; `ticks$` ends at shutdown while `sharedTicks$` (the exit monitor's) does not; realised
 * results land in the run's loss limit.
 */
import { asyncScheduler } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { book, pairRig, tickOf } from './pair-rig';

const A = book([[99_990, 0.5]], [[100_000, 0.5]]);
const B = book([[100_200, 0.5]], [[100_210, 0.5]]);
const A2 = book([[99_995, 0.5]], [[100_005, 0.5]]);

const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('pairContext', () => {
  it("subscribes to each venue's book feed under that venue's own symbol", () => {
    testScheduler().run(({ hot }) => {
      const { symbols } = pairRig({ a$: hot('-'), b$: hot('-'), scheduler: asyncScheduler, pair: { pair: 'ETH-PERP' } });
      expect(symbols).toEqual({ a: ['ETH-PERP'], b: ['ETH-USD-PERP'] });
    });
  });

  it('pairs the two books into ticks stamped with the scheduler clock', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const a$ = hot('a---c-', { a: A, c: A2 });
      const b$ = hot('--b---', { b: B });
      const { ctx } = pairRig({ a$, b$, scheduler: asyncScheduler });
      expectObservable(ctx.sharedTicks$).toBe('--t-u-', { t: tickOf(A, B, 2), u: tickOf(A2, B, 4) });
    });
  });

  it('shares one subscription to each feed between stages and replays the latest tick to a late stage', () => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const a$ = hot('a---c---', { a: A, c: A2 });
      const b$ = hot('b-------', { b: B });
      const { ctx } = pairRig({ a$, b$, scheduler: asyncScheduler });
      expectObservable(ctx.sharedTicks$, '^------!').toBe('t---u---', { t: tickOf(A, B, 0), u: tickOf(A2, B, 4) });
      expectObservable(ctx.sharedTicks$, '--^----!').toBe('--t-u---', { t: tickOf(A, B, 0), u: tickOf(A2, B, 4) });
      expectSubscriptions(a$.subscriptions).toBe('^------!');
    });
  });

  it('ends ticks$ at shutdown but keeps sharedTicks$ going, so an exit monitor sees shutdown before its ticks end', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const a$ = hot('a--c---', { a: A, c: A2 });
      const b$ = hot('b------', { b: B });
      const stop$ = hot('--s----', { s: true as const });
      const { ctx } = pairRig({ a$, b$, stop$, scheduler: asyncScheduler });
      expectObservable(ctx.ticks$).toBe('t-|', { t: tickOf(A, B, 0) });
      expectObservable(ctx.sharedTicks$, '^-----!').toBe('t--u--', { t: tickOf(A, B, 0), u: tickOf(A2, B, 3) });
      expectObservable(ctx.stop$).toBe('--s----', { s: true });
    });
  });

  it('starts with no position monitored and tells the time from its scheduler', () => {
    const seen: number[] = [];
    testScheduler().run(({ hot, cold }) => {
      const { ctx } = pairRig({ a$: hot('-'), b$: hot('-'), scheduler: asyncScheduler });
      expect(ctx.monitored.value).toBeUndefined();
      cold('---x|').subscribe(() => seen.push(ctx.now()));
    });
    expect(seen).toEqual([3]);
  });
});

/**
 * The hold section's virtual clock: it must run what rxjs's VirtualTimeScheduler runs, at the same
 * virtual times and in the same order, while keeping one action per periodic timer however long it runs.
 */
import { delay, interval, map, merge, type Observable, sampleTime, Subject, take, timer, VirtualTimeScheduler, type SchedulerLike } from 'rxjs';
import { VirtualClock } from '../../bench/virtual-clock';

/** What a bot-like composition emits, as [virtual time, value], when driven to `until`. */
function trace(scheduler: SchedulerLike, advanceTo: (t: number) => void, until: number): [number, string][] {
  const seen: [number, string][] = [];
  const books$ = new Subject<number>();
  const streams: Observable<string>[] = [
    interval(300, scheduler).pipe(map((i) => `interval ${i}`)),
    timer(250, 1_000, scheduler).pipe(map((i) => `timer ${i}`)),
    books$.pipe(sampleTime(500, scheduler), map((b) => `sample ${b}`)),
    books$.pipe(take(3), delay(120, scheduler), map((b) => `delayed ${b}`)),
  ];
  const sub = merge(...streams).subscribe((v) => seen.push([scheduler.now(), v]));
  for (let t = 0; t <= until; t += 100) {
    advanceTo(t);
    books$.next(t);
  }
  sub.unsubscribe();
  return seen;
}

describe('VirtualClock', () => {
  it('runs timers, intervals, sampling and delays at the same virtual times and in the same order as rxjs VirtualTimeScheduler', () => {
    const reference = new VirtualTimeScheduler();
    const expected = trace(
      reference,
      (t) => {
        reference.maxFrames = t;
        reference.flush();
        reference.frame = t;
      },
      5_000,
    );
    const clock = new VirtualClock();
    const actual = trace(clock, (t) => clock.advanceTo(t), 5_000);
    // 16 intervals, 5 timer ticks, 10 samples and 3 delayed books.
    expect(actual.length).toBe(34);
    expect(actual).toEqual(expected);
  });

  it('keeps one action per periodic timer however many periods it runs, and forgets it once unsubscribed', () => {
    const clock = new VirtualClock(1_000);
    let ticks = 0;
    const sub = interval(1_000, clock).subscribe(() => ticks++);
    clock.advanceTo(1_000 + 3_600_000);
    expect(ticks).toBe(3_600);
    expect(clock.actionsCreated).toBe(1);
    expect(clock.pending).toBe(1);
    sub.unsubscribe();
    expect(clock.pending).toBe(0);
  });

  it('ends at the time it was advanced to, with nothing due left behind', () => {
    const clock = new VirtualClock(10);
    const fired: number[] = [];
    timer(5, clock).subscribe(() => fired.push(clock.now()));
    timer(50, clock).subscribe(() => fired.push(clock.now()));
    clock.advanceTo(30);
    expect(fired).toEqual([15]);
    expect(clock.now()).toBe(30);
    clock.advanceTo(60);
    expect(fired).toEqual([15, 60]);
    expect(clock.pending).toBe(0);
  });
});

/**
 * A virtual-time scheduler for long simulated runs (the bench's hour) and replays of recorded market data.
 *
 * Why not rxjs's VirtualTimeScheduler: it is built for marble tests, where runs are short. A periodic
 * action there (interval, sampleTime, timer with a period) reschedules itself by creating a new
 * VirtualAction and adding it to the old one (`VirtualAction.schedule`: `this.add(action)`), so every
 * period leaves the previous action and its finalizer array reachable: ~300 B per period, and the bot
 * has four periods a second while it holds a position (spread samples twice, the close refresh and the
 * housekeeping once each), which is ~4 MB per simulated hour of heap that is the clock's, not the bot's.
 * The asyncScheduler the bot runs on reuses a rescheduled action (AsyncAction keeps its interval), and
 * so does this clock: an action is queued again in place.
 */
import { Subscription, type SchedulerAction, type SchedulerLike } from 'rxjs';

type Work<T> = (this: SchedulerAction<T>, state?: T) => void;

export class VirtualClock implements SchedulerLike {
  /** Virtual time, ms. */
  frame: number;
  /** Actions created since the clock was made (a periodic action counts once, however often it runs). */
  actionsCreated = 0;
  /** Due actions, by time and then by the order they were scheduled in. */
  private readonly queue: ClockAction<unknown>[] = [];
  private order = 0;

  constructor(start = 0) {
    this.frame = start;
  }

  now(): number {
    return this.frame;
  }

  schedule<T>(work: Work<T>, delay = 0, state?: T): Subscription {
    this.actionsCreated++;
    return new ClockAction<T>(this, work).schedule(state, delay);
  }

  /** Actions waiting to run. */
  get pending(): number {
    return this.queue.length;
  }

  /** When the next queued action is due, ms; undefined when none is queued. */
  nextDueAt(): number | undefined {
    return this.queue[0]?.dueAt;
  }

  /** Runs the next due action if it is due at or before `time`; false when none is. */
  runNext(time: number): boolean {
    const next = this.queue[0];
    if (next === undefined || next.dueAt > time) return false;
    this.queue.shift();
    this.frame = Math.max(this.frame, next.dueAt);
    next.run();
    return true;
  }

  /** setTimeout/clearTimeout on this clock (for code that takes timers rather than a scheduler). */
  readonly timers = {
    now: (): number => this.frame,
    setTimeout: (fn: () => void, ms: number): unknown => this.schedule(() => fn(), Math.max(0, ms)),
    clearTimeout: (handle: unknown): void => (handle as Subscription | undefined)?.unsubscribe(),
  };

  /** Runs every action due at or before `time`, in time order (ties: scheduling order), then sets the clock to `time`. */
  advanceTo(time: number): void {
    for (let next = this.queue[0]; next !== undefined && next.dueAt <= time; next = this.queue[0]) {
      this.queue.shift();
      this.frame = next.dueAt;
      next.run();
    }
    this.frame = Math.max(this.frame, time);
  }

  /** @internal Queues `action` at `dueAt` (moving it when it was queued already). */
  enqueue(action: ClockAction<unknown>, dueAt: number): void {
    this.dequeue(action);
    action.dueAt = dueAt;
    action.order = this.order++;
    let at = this.queue.length;
    while (at > 0 && later(this.queue[at - 1]!, action)) at--;
    this.queue.splice(at, 0, action);
  }

  /** @internal */
  dequeue(action: ClockAction<unknown>): void {
    const at = this.queue.indexOf(action);
    if (at >= 0) this.queue.splice(at, 1);
  }
}

function later(a: ClockAction<unknown>, b: ClockAction<unknown>): boolean {
  return a.dueAt > b.dueAt || (a.dueAt === b.dueAt && a.order > b.order);
}

class ClockAction<T> extends Subscription implements SchedulerAction<T> {
  dueAt = 0;
  order = 0;
  private state: T | undefined;

  constructor(
    private readonly clock: VirtualClock,
    private readonly work: Work<T>,
  ) {
    super(() => clock.dequeue(this as ClockAction<unknown>));
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed || !Number.isFinite(delay)) return this;
    this.state = state;
    this.clock.enqueue(this as ClockAction<unknown>, this.clock.frame + Math.max(0, delay));
    return this;
  }

  run(): void {
    if (this.closed) return;
    try {
      this.work.call(this, this.state);
    } catch (error) {
      this.unsubscribe();
      throw error;
    }
  }
}

/**
 * The longest delay a timer can wait. Node's setTimeout/setInterval (and so RxJS's timer, interval and
 * sampleTime) hold the delay as a signed 32-bit count of ms: anything longer fires after 1 ms, with only
 * a TimeoutOverflowWarning. A duration that reaches a timer must therefore be refused or clamped before.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** MAX_TIMER_MS in seconds (2147483.647 s, about 24.8 days). */
export const MAX_TIMER_SEC = MAX_TIMER_MS / 1000;

/** Why the limit, as config and flag errors state it after the number. */
export const TIMER_LIMIT_TEXT = '2^31 - 1 ms, about 24.8 days: the longest a timer can wait';

/** True when `ms` is a finite, non-negative delay a timer can wait. */
export function fitsTimer(ms: number): boolean {
  return Number.isFinite(ms) && ms >= 0 && ms <= MAX_TIMER_MS;
}

/** Throws a RangeError naming `what` unless `ms` fits a timer (API callers; config and flags say it first). */
export function assertTimerMs(ms: number, what: string): void {
  if (!fitsTimer(ms)) throw new RangeError(`${what} must be a delay from 0 to ${MAX_TIMER_MS} ms (${TIMER_LIMIT_TEXT}), got ${ms}`);
}

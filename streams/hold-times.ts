/**
 * A pair's holds this run: how long each closed position was held, and the hold its entries assume for carry
 * (src/domain/carry.ts: the configured one, else the observed median, else the fallback; capped by the holding
 * limit). State shared by the pair's streams, like the loss limit. The median is over the newest `HOLDS_KEPT`
 * holds: a run of months neither keeps one number per round trip nor sorts them all at each close.
 */
import { BehaviorSubject, distinctUntilChanged, type Observable } from 'rxjs';
import { type ExpectedHold, expectedHold } from '../src/domain/carry';

export interface HoldTimes {
  /** A position closed after being held `heldMs` (a negative or non-finite hold is ignored). */
  record(heldMs: number): void;
  /** The hold entries assume, replaying the current one. */
  readonly expected$: Observable<ExpectedHold>;
  readonly expected: ExpectedHold;
}

/** Holds the observed median is taken over (the newest). */
export const HOLDS_KEPT = 1_000;

export function holdTimes(settings: { readonly expectedHoldHours?: number; readonly maxHoldHours?: number }, kept = HOLDS_KEPT): HoldTimes {
  const held: number[] = [];
  const resolve = () => expectedHold(settings.expectedHoldHours, held, settings.maxHoldHours);
  const expected = new BehaviorSubject<ExpectedHold>(resolve());
  return {
    record(heldMs: number) {
      if (!(heldMs >= 0) || !Number.isFinite(heldMs)) return;
      held.push(heldMs);
      if (held.length > kept) held.splice(0, held.length - kept);
      expected.next(resolve());
    },
    expected$: expected.pipe(distinctUntilChanged((x, y) => x.hours === y.hours && x.from === y.from)),
    get expected() {
      return expected.value;
    },
  };
}

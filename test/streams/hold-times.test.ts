import { holdTimes } from '../../streams/hold-times';

const H = 3_600_000;

describe('holdTimes', () => {
  it('assumes the fallback until a hold is recorded, then the median of the holds, and ignores nonsense', () => {
    const holds = holdTimes({ maxHoldHours: 24 });
    const seen: unknown[] = [];
    const sub = holds.expected$.subscribe((h) => seen.push(h));
    holds.record(Number.NaN);
    holds.record(-5);
    holds.record(H / 2);
    holds.record(H / 2); // same median: not repeated
    holds.record(2 * H);
    sub.unsubscribe();
    expect(seen).toEqual([
      { hours: 1, from: 'fallback' },
      { hours: 0.5, from: 'observed_median' },
    ]);
    expect(holds.expected).toEqual({ hours: 0.5, from: 'observed_median' });
  });

  it('keeps the configured hold whatever is observed', () => {
    const holds = holdTimes({ expectedHoldHours: 8, maxHoldHours: 24 });
    holds.record(H);
    expect(holds.expected).toEqual({ hours: 8, from: 'config' });
  });
});

describe('holdTimes over a long run', () => {
  it('takes the median over the newest holds only: bounded, and it follows the market as holds change', () => {
    const holds = holdTimes({ maxHoldHours: 24 }, 5);
    for (let i = 0; i < 1_000; i++) holds.record(H);
    [2, 2, 2, 3, 4].forEach((h) => holds.record(h * H));
    // Over every hold the median would still be 1 h.
    expect(holds.expected).toEqual({ hours: 2, from: 'observed_median' });
  });
});

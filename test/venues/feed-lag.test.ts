import fc from 'fast-check';
import { DepthProbeLag, ExchangeTimeLag, depthKey } from '../../src/venues/feed-lag';

const T0 = 1_767_225_600_000;

describe('ExchangeTimeLag (feeds stamped with the venue clock)', () => {
  it('sees a feed that is late from its very first frame once the venue clock has been read', () => {
    const lag = new ExchangeTimeLag();
    const offset = 300; // the local clock runs 300 ms ahead of the venue's
    lag.anchor({ sentAt: T0, answeredAt: T0 + 12, serverTime: T0 + 6 - offset });
    for (let i = 0; i < 20; i++) {
      const stamped = T0 + i * 100 - offset;
      lag.observe(stamped + offset + 6_000, stamped);
    }
    expect(lag.lagMs()).toBeGreaterThanOrEqual(6_000 - 12);
    expect(lag.lagMs()).toBeLessThanOrEqual(6_000);
  });

  it('without a reading of the venue clock, sees lag that starts after a fresh spell, but not lag present from the start', () => {
    const lateFromStart = new ExchangeTimeLag();
    for (let i = 0; i < 20; i++) lateFromStart.observe(T0 + i * 100 + 6_000, T0 + i * 100);
    expect(lateFromStart.lagMs()).toBe(0);

    const lateLater = new ExchangeTimeLag();
    for (let i = 0; i < 20; i++) lateLater.observe(T0 + i * 100 + 15, T0 + i * 100);
    for (let i = 20; i < 40; i++) lateLater.observe(T0 + i * 100 + 6_015, T0 + i * 100);
    expect(lateLater.lagMs()).toBe(6_000);
  });

  it('never reports more lag than the frame had, and with a reading, at most the read round trip less', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -3_600_000, max: 3_600_000 }),
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 0, max: 499 }),
        fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 30 }),
        (offset, roundTrip, readAfter, delays) => {
          const lag = new ExchangeTimeLag();
          // The venue read its clock somewhere inside the round trip.
          const readAt = Math.min(readAfter, roundTrip);
          lag.anchor({ sentAt: T0, answeredAt: T0 + roundTrip, serverTime: T0 + readAt - offset });
          delays.forEach((delay, i) => {
            const stamped = T0 + 1_000 + i * 100 - offset;
            lag.observe(stamped + offset + delay, stamped);
          });
          const last = delays[delays.length - 1]!;
          expect(lag.lagMs()).toBeLessThanOrEqual(last);
          expect(lag.lagMs()).toBeGreaterThanOrEqual(last - roundTrip);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('after the local clock is stepped, trusts the new reading and forgets frames measured before it', () => {
    const lag = new ExchangeTimeLag();
    lag.anchor({ sentAt: T0, answeredAt: T0 + 10, serverTime: T0 + 5 });
    lag.observe(T0 + 1_020, T0 + 1_000);
    // The local clock jumps 5 s ahead: frames now look 5 s late until the venue clock is read again.
    lag.observe(T0 + 6_120, T0 + 1_100);
    expect(lag.lagMs()).toBeGreaterThan(4_900);
    lag.anchor({ sentAt: T0 + 6_200, answeredAt: T0 + 6_210, serverTime: T0 + 1_205 });
    lag.observe(T0 + 6_320, T0 + 1_300);
    expect(lag.lagMs()).toBeLessThanOrEqual(25);
    expect(lag.offset().low).toBeGreaterThan(4_900);
  });

  it('keeps the clock reading but forgets the frames of a dropped connection', () => {
    const lag = new ExchangeTimeLag();
    lag.anchor({ sentAt: T0, answeredAt: T0 + 10, serverTime: T0 + 5 });
    lag.observe(T0 + 3_000, T0 + 1_000);
    lag.resetConnection();
    expect(lag.lagMs()).toBeUndefined();
    expect(lag.anchored).toBe(true);
    lag.observe(T0 + 4_000, T0 + 2_000);
    expect(lag.lagMs()).toBeGreaterThanOrEqual(1_990);
  });
});

describe('DepthProbeLag (feeds without timestamps, against the REST book)', () => {
  const book = (mid: number) => ({
    bids: [{ price: mid - 1, size: 1 }],
    asks: [{ price: mid + 1, size: 2 }],
  });
  const key = (mid: number) => depthKey(book(mid));

  it('finds no lag when the feed already shows the book REST answered', () => {
    const lag = new DepthProbeLag();
    lag.onBook(key(100), T0);
    lag.probeAnswered(key(100), T0 + 40);
    expect(lag.lagMs(T0 + 1_000)).toBe(0);
  });

  it('measures how long after REST the feed shows the same book, and counts the wait meanwhile', () => {
    const lag = new DepthProbeLag();
    lag.onBook(key(100), T0);
    lag.probeAnswered(key(101), T0 + 50);
    expect(lag.lagMs(T0 + 2_550)).toBe(2_500);
    lag.onBook(key(101), T0 + 6_050);
    expect(lag.lagMs(T0 + 6_100)).toBe(6_000);
    // Caught up: the next probe finds the feed current.
    lag.probeAnswered(key(101), T0 + 6_200);
    expect(lag.lagMs(T0 + 6_300)).toBe(0);
  });

  it('drops a probe whose book the feed skipped once a newer probe is matched', () => {
    const lag = new DepthProbeLag();
    lag.onBook(key(100), T0);
    lag.probeAnswered(key(101), T0 + 10); // the feed never shows 101: it goes 100 -> 102
    lag.probeAnswered(key(102), T0 + 1_010);
    lag.onBook(key(102), T0 + 1_020);
    expect(lag.lagMs(T0 + 3_000)).toBe(10);
  });

  it('stops counting unmatched probes when the feed rarely shows the books REST sees (a throttled feed)', () => {
    const lag = new DepthProbeLag();
    for (let i = 0; i < 20; i++) {
      // Three states the feed never shows, then one it does.
      for (let k = 0; k < 3; k++) lag.probeAnswered(key(10_000 + 10 * i + k), T0 + i * 1_000 + k * 100);
      lag.onBook(key(10_000 + 10 * i + 5), T0 + i * 1_000 + 500);
      lag.probeAnswered(key(10_000 + 10 * i + 5), T0 + i * 1_000 + 600);
    }
    expect(lag.trusted).toBe(false);
    lag.probeAnswered(key(5), T0 + 30_000);
    expect(lag.lagMs(T0 + 40_000)).toBe(0);
  });

  it('is unknown before the first probe and forgets everything on a new connection', () => {
    const lag = new DepthProbeLag();
    lag.onBook(key(100), T0);
    expect(lag.lagMs(T0 + 10)).toBeUndefined();
    lag.probeAnswered(key(101), T0 + 20);
    lag.reset();
    expect(lag.lagMs(T0 + 5_000)).toBeUndefined();
  });

  it('keys books by their top five levels a side, prices and sizes', () => {
    const deep = { bids: Array.from({ length: 8 }, (_, i) => ({ price: 100 - i, size: 1 })), asks: [{ price: 101, size: 1 }] };
    const changedBelowTop5 = { ...deep, bids: deep.bids.map((l, i) => (i === 6 ? { ...l, size: 9 } : l)) };
    const changedInTop5 = { ...deep, bids: deep.bids.map((l, i) => (i === 4 ? { ...l, size: 9 } : l)) };
    expect(depthKey(changedBelowTop5)).toBe(depthKey(deep));
    expect(depthKey(changedInTop5)).not.toBe(depthKey(deep));
  });
});

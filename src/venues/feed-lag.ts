/**
 * How far behind the venue a book feed is, judged by the venue's own clock or state, not by when
 * frames arrive here. Pure: every time is passed in (ms), nothing is read from a clock.
 *
 * A feed that delivers every update 6 s late still delivers one every 100 ms, so "time since the
 * last frame" calls it fresh. Two ways to see the lag:
 *
 * - `ExchangeTimeLag`, for feeds whose frames carry the venue's time (Paradex `ts` / `last_updated_at`):
 *   a frame's transit delay is `receivedAt − exchangeTime − offset`, where offset = local clock − venue
 *   clock. The offset is bracketed by the venue's server time over REST (sent at t0, answered at t1 with
 *   server time S: t0 − S ≤ offset ≤ t1 − S) and, from above, by every frame (a frame cannot arrive
 *   before it was stamped: offset ≤ receivedAt − exchangeTime). The reported lag is the frame's delay
 *   under the largest offset allowed, i.e. a lower bound: it never calls a fresh feed late. Without a
 *   server-time reading only the frames bound the offset, which shows lag that began after a fresh
 *   spell in the window, but not a feed that has been late from its very first frame.
 * - `DepthProbeLag`, for feeds with no time at all (Vest depth): the venue's REST depth is read every
 *   second or so; a WebSocket feed that shows that book only N ms after REST answered it is at least
 *   N ms behind, and one that has not shown it yet is behind by at least the time since.
 */
import type { Level } from '../domain/order-book';

/** Disagreement between a venue's REST clock and its feed stamps tolerated before frames are distrusted, ms. */
const CLOCK_TOLERANCE_MS = 50;

/** One reading of the venue's clock over REST: sent and answered in local ms, the venue's time in ms. */
export interface ClockReading {
  readonly sentAt: number;
  readonly answeredAt: number;
  readonly serverTime: number;
}

export interface ExchangeTimeLagOptions {
  /** How long clock readings and frame delays stay in the estimate. Default 10 min. */
  readonly windowMs?: number;
  /** Clock readings kept (the tightest bracket of them is used). Default 8. */
  readonly maxReadings?: number;
}

/**
 * Local clock − venue clock, bracketed as [low, high] ms; `high` may come from frames alone.
 * Readings that contradict each other (the local clock was stepped) are dropped but the newest.
 */
export class ExchangeTimeLag {
  private readonly windowMs: number;
  private readonly maxReadings: number;
  private readings: ClockReading[] = [];
  /** Sliding-window minimum of receivedAt − exchangeTime: (at, delta) with increasing deltas. */
  private minAt: number[] = [];
  private minDelta: number[] = [];
  private lastDelta: number | undefined;

  constructor(options: ExchangeTimeLagOptions = {}) {
    this.windowMs = options.windowMs ?? 600_000;
    this.maxReadings = options.maxReadings ?? 8;
  }

  /** A reading of the venue's server time. */
  anchor(reading: ClockReading): void {
    if (!(reading.answeredAt >= reading.sentAt) || !Number.isFinite(reading.serverTime)) return;
    this.readings.push(reading);
    this.readings = this.readings.filter((r) => r.answeredAt >= reading.answeredAt - this.windowMs).slice(-this.maxReadings);
    const b = this.readingBounds();
    // Contradicting readings: the local clock was stepped between them. Keep the newest only.
    if (b !== undefined && b.low > b.high) this.readings = [reading];
    // Frames that arrived "before the venue stamped them" by this reading were measured on a clock
    // since stepped: forget them (they would pin the offset at a value that is no longer true).
    const low = reading.sentAt - reading.serverTime;
    if (this.minDelta.length > 0 && this.minDelta[0]! < low - (reading.answeredAt - reading.sentAt) - CLOCK_TOLERANCE_MS) this.forgetFrames();
  }

  /** A frame whose exchange time dates its content, received at `receivedAt` (both ms). */
  observe(receivedAt: number, exchangeTime: number): void {
    if (!Number.isFinite(receivedAt) || !Number.isFinite(exchangeTime)) return;
    const delta = receivedAt - exchangeTime;
    this.lastDelta = delta;
    const { minAt, minDelta } = this;
    while (minDelta.length > 0 && minDelta[minDelta.length - 1]! >= delta) {
      minDelta.pop();
      minAt.pop();
    }
    minAt.push(receivedAt);
    minDelta.push(delta);
    let drop = 0;
    while (drop < minAt.length - 1 && minAt[drop]! < receivedAt - this.windowMs) drop++;
    if (drop > 0) {
      minAt.splice(0, drop);
      minDelta.splice(0, drop);
    }
  }

  /** Local − venue clock bounds, ms; undefined where nothing bounds it yet. */
  offset(): { low: number | undefined; high: number | undefined } {
    const b = this.readingBounds();
    const framesHigh = this.minDelta[0];
    const high = b === undefined ? framesHigh : framesHigh === undefined ? b.high : Math.min(b.high, framesHigh);
    return { low: b?.low, high };
  }

  /** True once the venue's clock has been read (a feed late from its first frame can be seen). */
  get anchored(): boolean {
    return this.readings.length > 0;
  }

  /** Lower bound of the last frame's delay behind the venue clock, ms (≥ 0); undefined before any frame. */
  lagMs(): number | undefined {
    if (this.lastDelta === undefined) return undefined;
    const high = this.offset().high!;
    return Math.max(0, this.lastDelta - high);
  }

  /** A new connection: its frames take another path, so only the clock readings carry over. */
  resetConnection(): void {
    this.forgetFrames();
  }

  private forgetFrames(): void {
    this.minAt = [];
    this.minDelta = [];
    this.lastDelta = undefined;
  }

  private readingBounds(): { low: number; high: number } | undefined {
    if (this.readings.length === 0) return undefined;
    let low = Number.NEGATIVE_INFINITY;
    let high = Number.POSITIVE_INFINITY;
    for (const r of this.readings) {
      low = Math.max(low, r.sentAt - r.serverTime);
      high = Math.min(high, r.answeredAt - r.serverTime);
    }
    return { low, high };
  }
}

// ---------------------------------------------------------------------------------------------

/** Levels per side compared between the REST and WebSocket books. */
export const DEPTH_KEY_LEVELS = 5;

/** The top `levels` of each side as a string: two books with the same key show the same market. */
export function depthKey(book: { readonly bids: readonly Level[]; readonly asks: readonly Level[] }, levels = DEPTH_KEY_LEVELS): string {
  let key = '';
  const n = Math.min(levels, book.bids.length);
  for (let i = 0; i < n; i++) key += `${book.bids[i]!.price}@${book.bids[i]!.size},`;
  key += '|';
  const m = Math.min(levels, book.asks.length);
  for (let i = 0; i < m; i++) key += `${book.asks[i]!.price}@${book.asks[i]!.size},`;
  return key;
}

export interface DepthProbeLagOptions {
  /** WebSocket books remembered (and the longest a probe waits to be matched), ms. Default 60 s. */
  readonly historyMs?: number;
  /** Probe outcomes the match rate is judged over. Default 20. */
  readonly outcomes?: number;
}

interface Probe {
  readonly key: string;
  readonly answeredAt: number;
}

/**
 * Lag of a feed without timestamps, from REST depth probes. A probe answered at t with book K:
 * - K is what the feed shows now, or showed before: the feed is not behind that probe (lag 0);
 * - the feed shows K first at t + N: it was N ms behind (a measured lag, kept until a newer probe
 *   is matched);
 * - the feed has not shown K yet: it is at least now − t behind, while pending probes are trusted.
 * A feed may also skip states (a venue that throttles its pushes): a newer probe matched first
 * supersedes older pending ones, and when fewer than half of the recent probes ever match, pending
 * probes stop counting (only measured lags do), since "not shown yet" then means little.
 */
export class DepthProbeLag {
  private readonly historyMs: number;
  private readonly outcomeCount: number;
  /** Distinct consecutive feed books: key and when it was first shown. */
  private shownKey: string[] = [];
  private shownAt: number[] = [];
  private pending: Probe[] = [];
  private measured: number | undefined;
  private outcomes: boolean[] = [];

  constructor(options: DepthProbeLagOptions = {}) {
    this.historyMs = options.historyMs ?? 60_000;
    this.outcomeCount = options.outcomes ?? 20;
  }

  /** The feed showed a book with this key at `receivedAt`. */
  onBook(key: string, receivedAt: number): void {
    const last = this.shownKey.length - 1;
    if (last >= 0 && this.shownKey[last] === key) return;
    this.shownKey.push(key);
    this.shownAt.push(receivedAt);
    this.prune(receivedAt);
    const matched = this.pending.findIndex((p) => p.key === key);
    if (matched < 0) return;
    const probe = this.pending[matched]!;
    this.supersede(matched);
    this.pending.splice(0, 1);
    this.record(true);
    this.measured = Math.max(0, receivedAt - probe.answeredAt);
  }

  /** A REST probe answered at `answeredAt` with a book of this key. */
  probeAnswered(key: string, answeredAt: number): void {
    this.prune(answeredAt);
    if (this.shownKey.includes(key)) {
      this.supersede(this.pending.length);
      this.record(true);
      this.measured = 0;
      return;
    }
    // The venue still shows the book an earlier probe is waiting for: that probe (the older time) stands.
    if (this.pending.some((p) => p.key === key)) return;
    this.pending.push({ key, answeredAt });
  }

  /** A probe is waiting for the feed to show its book: the next book's key decides the lag. */
  get awaitingMatch(): boolean {
    return this.pending.length > 0;
  }

  /** Whether a probe the feed has not matched yet counts as lag: matching has mostly worked on this feed. */
  get trusted(): boolean {
    if (this.outcomes.length < 5) return true;
    let hits = 0;
    for (const o of this.outcomes) if (o) hits++;
    return hits * 2 >= this.outcomes.length;
  }

  /** Lower bound of how far the feed is behind the venue at `now`, ms; undefined before the first probe. */
  lagMs(now: number): number | undefined {
    this.prune(now);
    const oldest = this.pending[0];
    const waiting = oldest !== undefined && this.trusted ? Math.max(0, now - oldest.answeredAt) : undefined;
    if (waiting === undefined) return this.measured;
    return Math.max(waiting, this.measured ?? 0);
  }

  /** A new connection: forget the books shown and the probes waiting on them. */
  reset(): void {
    this.shownKey = [];
    this.shownAt = [];
    this.pending = [];
    this.measured = undefined;
  }

  /** Drops the pending probes before index `upTo` as never matched (the feed moved past them). */
  private supersede(upTo: number): void {
    for (let i = 0; i < upTo; i++) this.record(false);
    this.pending.splice(0, upTo);
  }

  private record(matched: boolean): void {
    this.outcomes.push(matched);
    if (this.outcomes.length > this.outcomeCount) this.outcomes.shift();
  }

  private prune(now: number): void {
    const cutoff = now - this.historyMs;
    let drop = 0;
    // Keep the latest book however old: it is what the feed shows now.
    while (drop < this.shownAt.length - 1 && this.shownAt[drop]! < cutoff) drop++;
    if (drop > 0) {
      this.shownKey.splice(0, drop);
      this.shownAt.splice(0, drop);
    }
    while (this.pending.length > 0 && this.pending[0]!.answeredAt < cutoff) {
      this.pending.shift();
      this.record(false);
    }
  }
}

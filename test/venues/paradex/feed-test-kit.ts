/** Helpers shared by the Paradex and Vest feed tests (not a test file itself). */
import { EventEmitter } from 'node:events';
import type { Subscription } from 'rxjs';
import type { TradingEvent } from '../../../src/domain/events';
import type { Level, OrderBook } from '../../../src/domain/order-book';
import type { BookFeed } from '../../../src/venues/venue';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until `pred` holds; fails with `what` (and `detail()`) after `ms`. */
export async function waitFor(pred: () => boolean, what: string, ms = 4000, detail?: () => unknown): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}${detail ? `: ${JSON.stringify(detail())}` : ''}`);
    await sleep(5);
  }
}

export interface Recorder {
  readonly books: OrderBook[];
  readonly events: TradingEvent[];
  last(): OrderBook | undefined;
  eventsOf(type: TradingEvent['type']): TradingEvent[];
  stop(): void;
}

/** Subscribes to a feed's events and books (events first, so none is missed). */
export function record(feed: BookFeed): Recorder {
  const books: OrderBook[] = [];
  const events: TradingEvent[] = [];
  const subs: Subscription[] = [feed.events$.subscribe((e) => events.push(e)), feed.book$.subscribe((b) => books.push(b))];
  return {
    books,
    events,
    last: () => books[books.length - 1],
    eventsOf: (type) => events.filter((e) => e.type === type),
    stop: () => subs.forEach((s) => s.unsubscribe()),
  };
}

export function sameLevels(book: OrderBook | undefined, expected: { bids: readonly Level[]; asks: readonly Level[] } | undefined): boolean {
  if (!book || !expected) return false;
  const eq = (a: readonly Level[], b: readonly Level[]): boolean =>
    a.length === b.length && a.every((l, i) => l.price === b[i]!.price && l.size === b[i]!.size);
  return eq(book.bids, expected.bids) && eq(book.asks, expected.asks);
}

export function top(book: OrderBook | undefined, depth: number): { bids: readonly Level[]; asks: readonly Level[] } | undefined {
  return book && { bids: book.bids.slice(0, depth), asks: book.asks.slice(0, depth) };
}

/** A scripted stand-in for a `ws` socket, to drive a client without a server. */
export class FakeSocket extends EventEmitter {
  readyState = 0;
  readonly sent: string[] = [];
  terminated = false;
  constructor(readonly url: string) {
    super();
  }
  override on(event: string, listener: (...args: never[]) => void): this {
    return super.on(event, listener as unknown as (...args: unknown[]) => void);
  }
  send(data: string): void {
    this.sent.push(data);
  }
  terminate(): void {
    this.terminated = true;
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.emit('open');
  }
  frame(data: string | Uint8Array): void {
    this.emit('message', Buffer.from(data), typeof data !== 'string');
  }
  drop(): void {
    this.readyState = 3;
    this.emit('close', 1006);
  }
  sentJson(): { method: string; params: unknown; id: number }[] {
    return this.sent.map((s) => JSON.parse(s) as { method: string; params: unknown; id: number });
  }
}

/**
 * Marks on the path from a book frame to the orders it causes, published on a Node diagnostics channel
 * (`node:diagnostics_channel`, the mechanism Node's own http client and undici use for the same purpose). With no
 * subscriber a mark is one property read; a subscriber (the tick-to-order bench) is called synchronously, so
 * `process.hrtime` read there is the time of the mark. Nothing in the bot subscribes.
 */
import diagnosticsChannel from 'node:diagnostics_channel';

/** A venue's book frame handed to its session (`frame`), and its handling over, the book published or not (`handled`). */
export interface FrameMark {
  readonly kind: 'frame' | 'handled';
  readonly venue: string;
  readonly symbol: string;
}

export const LATENCY_CHANNEL = 'vest-paradex-arb:latency';

const channel = diagnosticsChannel.channel(LATENCY_CHANNEL);

/** Publishes a mark when someone listens; free otherwise. */
export function markFrame(kind: FrameMark['kind'], venue: string, symbol: string): void {
  if (channel.hasSubscribers) channel.publish({ kind, venue, symbol } satisfies FrameMark);
}

/**
 * Where a tick-to-order trial's time goes, from marks taken on the main thread while the trial runs:
 * - a venue's frame handed to its feed session and its handling over (src/logging/latency-marks.ts; the floor
 *   client marks its marker frame the same way);
 * - each order request created and each one flushed (Node's own `http.client.request.start` diagnostics channel,
 *   then the request's 'finish': its last bytes handed to the OS);
 * - what the bench itself stamps: the exit decided, each order handed to a venue client.
 * Each trial's stages are differences between its own marks; the figures are medians over trials.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { LATENCY_CHANNEL, type FrameMark } from '../src/logging/latency-marks';
import { percentile } from './measure';

export type StageLabel = `frame:${string}` | `handled:${string}` | 'request' | 'flushed' | 'decided' | 'submitted';

/** Stage medians, ms. Bot: timed from the crossing (Vest) frame; floor: from its marker frame. */
export interface StageFigures {
  /** Crossing frame sent → its handler starts (the round's Paradex frame is handled first). */
  exitFrameInP50Ms: number;
  /** The round's Paradex frame: handler start → end (decode, book, tick, exit poll). */
  exitPriorFrameP50Ms: number;
  /** Vest handler start → close decided (decode, book, marketTicks, exit monitor). */
  exitHandlerToDecidedP50Ms: number;
  /** Close decided → first order request created (executor, armed set, venue client). */
  exitDecidedToRequestP50Ms: number;
  /** Vest handler start → the last order request flushed to its socket. */
  exitHandlerToFlushedP50Ms: number;
  /** Last order flushed → last order read by the arrival proxy. */
  exitFlushedToArrivedP50Ms: number;
  floorFrameInP50Ms: number;
  floorHandlerToRequestP50Ms: number;
  floorHandlerToFlushedP50Ms: number;
  floorFlushedToArrivedP50Ms: number;
}

/** Collects marks between start() and stop(); each stop() folds one trial's stages in. */
export class StageProbe {
  private marks: Array<[StageLabel, bigint]> = [];
  private on = false;
  private readonly bot: Record<'frameIn' | 'prior' | 'decided' | 'request' | 'flushed' | 'arrived', number[]> = { frameIn: [], prior: [], decided: [], request: [], flushed: [], arrived: [] };
  private readonly floor: Record<'frameIn' | 'request' | 'flushed' | 'arrived', number[]> = { frameIn: [], request: [], flushed: [], arrived: [] };

  private readonly onFrame = (message: unknown): void => {
    const m = message as FrameMark;
    this.mark(`${m.kind}:${m.venue}`);
  };

  /** Order POSTs only (the clients' reads, such as order status polls, are not on the path). */
  private readonly onRequest = (message: unknown): void => {
    const { request } = message as { request: ClientRequest };
    if (!this.on || request.method !== 'POST') return;
    this.mark('request');
    // Its 'finish' may come after stop(): it still belongs to this trial's marks.
    const marks = this.marks;
    request.once('finish', () => marks.push(['flushed', process.hrtime.bigint()]));
  };

  constructor() {
    diagnosticsChannel.subscribe(LATENCY_CHANNEL, this.onFrame);
    diagnosticsChannel.subscribe('http.client.request.start', this.onRequest);
  }

  mark(label: StageLabel): void {
    if (this.on) this.marks.push([label, process.hrtime.bigint()]);
  }

  start(): void {
    this.marks = [];
    this.on = true;
  }

  /** Ends a trial's marks (its requests' 'finish' still lands in them); then fold it. */
  stop(): void {
    this.on = false;
  }

  /** A bot exit: `sentNs` = the crossing frame sent, `arrivedNs` = its last order read. False when a mark is missing. */
  foldBot(sentNs: bigint, arrivedNs: bigint, vest = 'vest', paradex = 'paradex'): boolean {
    const handler = this.first(`frame:${vest}`);
    const priorStart = this.first(`frame:${paradex}`);
    const priorEnd = this.first(`handled:${paradex}`);
    const decided = this.first('decided');
    const request = this.first('request');
    const flushed = this.nth('flushed', 2);
    if ([handler, priorStart, priorEnd, decided, request, flushed].some((t) => t === undefined)) return false;
    this.bot.frameIn.push(ms(handler! - sentNs));
    this.bot.prior.push(ms(priorEnd! - priorStart!));
    this.bot.decided.push(ms(decided! - handler!));
    this.bot.request.push(ms(request! - decided!));
    this.bot.flushed.push(ms(flushed! - handler!));
    this.bot.arrived.push(ms(arrivedNs - flushed!));
    return true;
  }

  /** A floor trial: marker sent → its two orders read. */
  foldFloor(sentNs: bigint, arrivedNs: bigint): boolean {
    const handler = this.first('frame:floor');
    const request = this.first('request');
    const flushed = this.nth('flushed', 2);
    if (handler === undefined || request === undefined || flushed === undefined) return false;
    this.floor.frameIn.push(ms(handler - sentNs));
    this.floor.request.push(ms(request - handler));
    this.floor.flushed.push(ms(flushed - handler));
    this.floor.arrived.push(ms(arrivedNs - flushed));
    return true;
  }

  figures(): StageFigures {
    const p50 = (v: number[]): number => percentile(v, 50);
    return {
      exitFrameInP50Ms: p50(this.bot.frameIn),
      exitPriorFrameP50Ms: p50(this.bot.prior),
      exitHandlerToDecidedP50Ms: p50(this.bot.decided),
      exitDecidedToRequestP50Ms: p50(this.bot.request),
      exitHandlerToFlushedP50Ms: p50(this.bot.flushed),
      exitFlushedToArrivedP50Ms: p50(this.bot.arrived),
      floorFrameInP50Ms: p50(this.floor.frameIn),
      floorHandlerToRequestP50Ms: p50(this.floor.request),
      floorHandlerToFlushedP50Ms: p50(this.floor.flushed),
      floorFlushedToArrivedP50Ms: p50(this.floor.arrived),
    };
  }

  close(): void {
    diagnosticsChannel.unsubscribe(LATENCY_CHANNEL, this.onFrame);
    diagnosticsChannel.unsubscribe('http.client.request.start', this.onRequest);
  }

  private first(label: StageLabel): bigint | undefined {
    return this.nth(label, 1);
  }

  private nth(label: StageLabel, n: number): bigint | undefined {
    let seen = 0;
    for (const [l, t] of this.marks) if (l === label && ++seen === n) return t;
    return undefined;
  }
}

function ms(ns: bigint): number {
  return Number(ns) / 1e6;
}

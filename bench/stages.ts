/**
 * Where a tick-to-order trial's time goes, from marks taken on the main thread while the trial runs:
 * - a venue's frame handed to its feed session and its handling over (src/logging/latency-marks.ts; the floor
 *   client marks its marker frame the same way);
 * - each order request written and each one flushed (Node's own `http.client.request.start` diagnostics channel,
 *   which Node publishes when it hands the request to its socket, i.e. after the turn that built it has ended;
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
  /** Close decided → the first close order handed to its venue client (executor, armed set). */
  exitDecidedToSubmittedP50Ms: number;
  /** First close order handed → the Vest frame's handling over (both requests built, the rest of that turn). */
  exitSubmittedToHandledP50Ms: number;
  /** Handling over → the first order request on its socket (Node writes requests once the turn has ended). */
  exitHandledToRequestP50Ms: number;
  /** Vest handler start → the last order request flushed to its socket. */
  exitHandlerToFlushedP50Ms: number;
  /** Last order flushed → last order read by the arrival proxy. */
  exitFlushedToArrivedP50Ms: number;
  floorFrameInP50Ms: number;
  /** Marker handler start → its handling over (two pre-built requests created). */
  floorHandlerToHandledP50Ms: number;
  /** Handling over → the first request on its socket. */
  floorHandledToRequestP50Ms: number;
  floorHandlerToFlushedP50Ms: number;
  floorFlushedToArrivedP50Ms: number;
}

/** Collects marks between start() and stop(); each stop() folds one trial's stages in. */
export class StageProbe {
  private marks: Array<[StageLabel, bigint]> = [];
  private on = false;
  private readonly bot: Record<'frameIn' | 'prior' | 'decided' | 'submitted' | 'handled' | 'request' | 'flushed' | 'arrived', number[]> = {
    frameIn: [],
    prior: [],
    decided: [],
    submitted: [],
    handled: [],
    request: [],
    flushed: [],
    arrived: [],
  };
  private readonly floor: Record<'frameIn' | 'handled' | 'request' | 'flushed' | 'arrived', number[]> = { frameIn: [], handled: [], request: [], flushed: [], arrived: [] };

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
    const submitted = this.first('submitted');
    const handled = this.first(`handled:${vest}`);
    const request = this.first('request');
    const flushed = this.nth('flushed', 2);
    if ([handler, priorStart, priorEnd, decided, submitted, handled, request, flushed].some((t) => t === undefined)) return false;
    this.bot.frameIn.push(ms(handler! - sentNs));
    this.bot.prior.push(ms(priorEnd! - priorStart!));
    this.bot.decided.push(ms(decided! - handler!));
    this.bot.submitted.push(ms(submitted! - decided!));
    this.bot.handled.push(ms(handled! - submitted!));
    this.bot.request.push(ms(request! - handled!));
    this.bot.flushed.push(ms(flushed! - handler!));
    this.bot.arrived.push(ms(arrivedNs - flushed!));
    return true;
  }

  /** A floor trial: marker sent → its two orders read. */
  foldFloor(sentNs: bigint, arrivedNs: bigint): boolean {
    const handler = this.first('frame:floor');
    const handled = this.first('handled:floor');
    const request = this.first('request');
    const flushed = this.nth('flushed', 2);
    if (handler === undefined || handled === undefined || request === undefined || flushed === undefined) return false;
    this.floor.frameIn.push(ms(handler - sentNs));
    this.floor.handled.push(ms(handled - handler));
    this.floor.request.push(ms(request - handled));
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
      exitDecidedToSubmittedP50Ms: p50(this.bot.submitted),
      exitSubmittedToHandledP50Ms: p50(this.bot.handled),
      exitHandledToRequestP50Ms: p50(this.bot.request),
      exitHandlerToFlushedP50Ms: p50(this.bot.flushed),
      exitFlushedToArrivedP50Ms: p50(this.bot.arrived),
      floorFrameInP50Ms: p50(this.floor.frameIn),
      floorHandlerToHandledP50Ms: p50(this.floor.handled),
      floorHandledToRequestP50Ms: p50(this.floor.request),
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

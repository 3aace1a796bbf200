/**
 * The simulated venues on a worker thread, so the venue side (signature checks, matching, frame
 * building) does not share the bot's event loop: in one loop, the sim verifying the first close leg's
 * Stark signature would hold up the bot sending the second. Their arrival proxies run on a further
 * thread (bench/proxy-worker.ts) for the same reason on the venue side. All threads read the same
 * monotonic clock (process.hrtime), so stamps taken in one compare with stamps taken in another.
 *
 * It also serves the floor of tick-to-order: a WebSocket on which it sends a marker frame to a bare
 * client, which answers with pre-built order POSTs at once; the floor is marker sent -> those POSTs
 * arrived at the same arrival proxies, stamped the same way as the bot's orders.
 */
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Worker, parentPort, workerData } from 'node:worker_threads';
import WebSocket, { WebSocketServer } from 'ws';
import { startSimVenues } from '../src/sim';
import type { ProxyWorkerData, ProxyWorkerMessage, ProxyWorkerRequest } from './proxy-worker';

interface ProxyWorker {
  readonly urls: Record<string, string>;
  /** Order POSTs are forwarded to the venues only once released (ArrivalProxy.hold). */
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

/** Starts the arrival proxies' thread in front of `targets`; resolves with their URLs. */
function startProxyWorker(targets: Record<string, string>, onArrival: (atNs: bigint) => void): Promise<ProxyWorker> {
  const file = path.join(__dirname, `proxy-worker${path.extname(__filename)}`);
  const execArgv = path.extname(__filename) === '.ts' ? ['-r', 'ts-node/register/transpile-only'] : [];
  const worker = new Worker(file, { workerData: { targets } satisfies ProxyWorkerData, execArgv });
  return new Promise((resolve, reject) => {
    let closed: (() => void) | undefined;
    worker.on('message', (m: ProxyWorkerMessage) => {
      if (m.type === 'arrival') onArrival(BigInt(m.atNs));
      else if (m.type === 'closed') closed?.();
      else if (m.type === 'failed') reject(new Error(`proxy worker failed: ${m.message}`));
      else
        resolve({
          urls: { ...m.urls },
          hold: () => worker.postMessage({ type: 'hold' } satisfies ProxyWorkerRequest),
          release: () => worker.postMessage({ type: 'release' } satisfies ProxyWorkerRequest),
          close: async () => {
            await new Promise<void>((r) => {
              closed = r;
              worker.postMessage({ type: 'close' } satisfies ProxyWorkerRequest);
            });
            await worker.terminate();
          },
        });
    });
    worker.once('error', reject);
  });
}

export interface SimWorkerData {
  readonly seed: number;
  readonly base: string;
}

export type SimWorkerRequest =
  /** Force the basis (pushes one update round) and report when `orders` order POSTs have arrived. */
  | { readonly type: 'cross'; readonly id: number; readonly basis: number; readonly orders: number; readonly timeoutMs: number }
  | { readonly type: 'setBasis'; readonly id: number; readonly basis: number }
  /** Send the marker frame to the floor client and report when `orders` order POSTs have arrived. */
  | { readonly type: 'marker'; readonly id: number; readonly orders: number; readonly timeoutMs: number }
  | { readonly type: 'close'; readonly id: number };

export type SimWorkerReply =
  | {
      readonly type: 'ready';
      readonly paradex: { rest: string; ws: string };
      readonly vest: { rest: string; ws: string };
      /** The marker WebSocket of the floor measurement. */
      readonly markerWs: string;
    }
  /** startNs/arrivedNs: process.hrtime.bigint() as decimal strings. */
  | { readonly type: 'crossed'; readonly id: number; readonly startNs: string; readonly arrivedNs: string; readonly lastFrameNs: string }
  | { readonly type: 'done'; readonly id: number }
  | { readonly type: 'failed'; readonly id: number; readonly message: string };

/**
 * Where both timers start: when the first frame of a trial is handed to its socket. For a crossing
 * round that is the first book frame the simulated venues send, after their model step and frame
 * encoding (the venue's work, not the bot's); for the floor, its marker frame. Every frame of this
 * thread goes out through ws's WebSocket#send, so the stamp is taken there.
 */
let stamping = false;
let firstSendNs: bigint | undefined;
let lastSendNs: bigint | undefined;
const wsSend = WebSocket.prototype.send;
WebSocket.prototype.send = function (this: WebSocket, ...args: Parameters<typeof wsSend>) {
  if (stamping) {
    lastSendNs = process.hrtime.bigint();
    firstSendNs ??= lastSendNs;
  }
  return wsSend.apply(this, args);
} as typeof wsSend;

/**
 * Runs `send` (which sends the trial's frames) and moves the trial's start to its first frame; also
 * says when its last frame was handed to its socket (a crossing round sends one frame per venue, and
 * the bot can decide only once the frame that crosses has arrived).
 */
function sentAt(send: () => void): { first: bigint; last: bigint } | undefined {
  firstSendNs = undefined;
  lastSendNs = undefined;
  stamping = true;
  try {
    send();
  } finally {
    stamping = false;
  }
  return firstSendNs === undefined || lastSendNs === undefined ? undefined : { first: firstSendNs, last: lastSendNs };
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('sim-worker must run on a worker thread');
  const { seed, base } = workerData as SimWorkerData;
  const sim = await startSimVenues({ seed, updateIntervalMs: 0, pingIntervalMs: 60_000, heartbeatIntervalMs: 60_000 });
  const proxies = await startProxyWorker({ paradex: sim.paradex.rest, vest: sim.vest.rest }, (atNs) => onArrival(atNs));
  const markerServer = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve) => markerServer.once('listening', () => resolve()));
  let markerClient: WebSocket | undefined;
  // (ws sets TCP_NODELAY on its sockets, as on the venues' own.)
  markerServer.on('connection', (ws) => {
    markerClient = ws;
  });
  const marker = Buffer.from('{"marker":1}');

  let waiting: { id: number; orders: number; startNs: bigint; lastFrameNs: bigint; seen: bigint[]; timer: NodeJS.Timeout } | undefined;
  function onArrival(atNs: bigint): void {
    // Only orders that arrived after this trial's start (a late straggler of the last one does not count).
    if (!waiting || atNs < waiting.startNs) return;
    waiting.seen.push(atNs);
    if (waiting.seen.length < waiting.orders) return;
    const w = waiting;
    waiting = undefined;
    clearTimeout(w.timer);
    proxies.release();
    const last = w.seen.reduce((x, y) => (y > x ? y : x));
    reply({ type: 'crossed', id: w.id, startNs: String(w.startNs), arrivedNs: String(last), lastFrameNs: String(w.lastFrameNs) });
  }
  const reply = (m: SimWorkerReply): void => port.postMessage(m);

  const await_ = (m: { id: number; orders: number; timeoutMs: number }): void => {
    const timer = setTimeout(() => {
      if (waiting?.id !== m.id) return;
      const seen = waiting.seen.length;
      waiting = undefined;
      proxies.release();
      reply({ type: 'failed', id: m.id, message: `only ${seen} of ${m.orders} orders arrived within ${m.timeoutMs} ms` });
    }, m.timeoutMs);
    // The trial's orders reach the venues only once all have arrived (ArrivalProxy.hold).
    proxies.hold();
    const now = process.hrtime.bigint();
    waiting = { id: m.id, orders: m.orders, startNs: now, lastFrameNs: now, seen: [], timer };
  };

  port.on('message', (m: SimWorkerRequest) => {
    switch (m.type) {
      case 'cross': {
        await_(m);
        const at = sentAt(() => sim.market.setBasis(base, m.basis));
        if (at !== undefined && waiting?.id === m.id) Object.assign(waiting, { startNs: at.first, lastFrameNs: at.last });
        return;
      }
      case 'marker': {
        const client = markerClient;
        if (!client) {
          reply({ type: 'failed', id: m.id, message: 'no floor client connected to the marker socket' });
          return;
        }
        await_(m);
        const at = sentAt(() => client.send(marker));
        if (at !== undefined && waiting?.id === m.id) Object.assign(waiting, { startNs: at.first, lastFrameNs: at.last });
        return;
      }
      case 'setBasis':
        sim.market.setBasis(base, m.basis);
        reply({ type: 'done', id: m.id });
        return;
      case 'close':
        void (async () => {
          if (waiting) clearTimeout(waiting.timer);
          for (const c of markerServer.clients) c.terminate();
          await new Promise<void>((resolve) => markerServer.close(() => resolve()));
          await proxies.close().catch(() => undefined);
          await sim.close();
          reply({ type: 'done', id: m.id });
          port.close();
        })();
        return;
    }
  });
  const markerPort = (markerServer.address() as AddressInfo).port;
  reply({
    type: 'ready',
    paradex: { rest: proxies.urls['paradex']!, ws: sim.paradex.ws },
    vest: { rest: proxies.urls['vest']!, ws: sim.vest.ws },
    markerWs: `ws://127.0.0.1:${markerPort}/`,
  });
}

main().catch((err: unknown) => {
  parentPort?.postMessage({ type: 'failed', id: -1, message: err instanceof Error ? err.message : String(err) });
});

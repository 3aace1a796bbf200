/**
 * The floor of tick-to-order on this machine: the least any bot could take between a frame leaving the
 * venue and its orders arriving at the venue's HTTP side, in the same process layout as the bot (venues
 * on their worker thread, client on the main thread, loopback between them).
 *
 * A bare client: raw `ws`, no decoding, no decision, no signing. On a marker frame it writes two
 * pre-built order POSTs at once, one to each venue's arrival proxy, each over a keep-alive agent set up
 * as the venue clients' are (src/venues/http.ts). The proxies stamp their arrival exactly as they stamp
 * the bot's orders and answer them without forwarding (bench/arrival-proxy.ts FLOOR_HEADER).
 */
import http from 'node:http';
import WebSocket from 'ws';
import { markFrame } from '../src/logging/latency-marks';
import { FLOOR_HEADER } from './arrival-proxy';

export interface FloorOrder {
  /** The order endpoint behind an arrival proxy, e.g. 'http://127.0.0.1:P/v2/orders'. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface OrderFloorClient {
  close(): Promise<void>;
}

/** Connects to the marker socket; from then on every marker frame sends `orders` at once. */
export async function connectOrderFloorClient(markerWs: string, orders: readonly FloorOrder[]): Promise<OrderFloorClient> {
  const prepared = orders.map((o) => {
    const url = new URL(o.url);
    const body = Buffer.from(o.body);
    const agent = new http.Agent({ keepAlive: true, scheduling: 'lifo' });
    const options: http.RequestOptions = {
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'POST',
      agent,
      headers: { ...o.headers, 'content-type': 'application/json', 'content-length': String(body.length), [FLOOR_HEADER]: '1' },
    };
    return { options, body, agent };
  });
  const send = (): void => {
    markFrame('frame', 'floor', 'marker'); // for the stage figures (bench/stages.ts); free when nobody listens
    for (const p of prepared) {
      const req = http.request(p.options, (res) => res.resume());
      req.on('socket', (s) => s.setNoDelay(true));
      req.on('error', () => undefined); // a failed floor order shows as a trial that times out
      req.end(p.body);
    }
    markFrame('handled', 'floor', 'marker');
  };
  const ws = new WebSocket(markerWs, { perMessageDeflate: false });
  ws.on('message', send);
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    close: async () => {
      ws.terminate();
      for (const p of prepared) p.agent.destroy();
    },
  };
}

/**
 * Orders the size of the bot's: a Vest order body (EIP-191 signature) with its API-key headers, and a
 * Paradex order body (Stark signature pair) with a bearer token.
 */
export function floorOrders(vestRest: string, paradexRest: string): FloorOrder[] {
  const t = 1_767_225_600_000;
  const vest = {
    order: { time: t, nonce: t, symbol: 'BTC-PERP', isBuy: false, size: '0.0010', orderType: 'MARKET', limitPrice: '94525.00', reduceOnly: true },
    recvWindow: 5000,
    signature: `0x${'ab'.repeat(65)}`,
  };
  const paradex = {
    market: 'BTC-USD-PERP',
    side: 'BUY',
    type: 'LIMIT',
    size: '0.001',
    price: '95475.5',
    instruction: 'IOC',
    client_id: 'arb-mk5x0w2p-1a2b3c-1f',
    flags: ['REDUCE_ONLY'],
    recv_window: 10000,
    signature: `["${'1'.repeat(76)}","${'2'.repeat(76)}"]`,
    signature_timestamp: t,
  };
  return [
    { url: `${vestRest}/orders`, headers: { xrestservermm: 'restserver0', 'X-API-KEY': 'k'.repeat(64) }, body: JSON.stringify(vest) },
    { url: `${paradexRest}/orders`, headers: { authorization: `Bearer ${'j'.repeat(300)}` }, body: JSON.stringify(paradex) },
  ];
}

/**
 * The arrival proxies (bench/arrival-proxy.ts) on a thread of their own, started by the simulated
 * venues' worker. Where they share the venues' thread, a second close order's arrival is stamped only
 * after the venue has finished verifying the first one's signature (milliseconds of CPU): the stamp
 * would measure the venue, not the bot. Here an order is stamped when its last byte is read, whatever
 * the venues are doing, and arrivals are posted to the parent as they happen.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startArrivalProxy } from './arrival-proxy';

export interface ProxyWorkerData {
  /** Venue REST base URLs to put a proxy in front of, by name. */
  readonly targets: Readonly<Record<string, string>>;
}

/** From the venues' worker: hold or release the order POSTs of a trial (ArrivalProxy.hold), or close. */
export type ProxyWorkerRequest = { readonly type: 'hold' | 'release' | 'close' };

export type ProxyWorkerMessage =
  | { readonly type: 'ready'; readonly urls: Readonly<Record<string, string>> }
  /** An order POST arrived; atNs is process.hrtime.bigint() as a decimal string. */
  | { readonly type: 'arrival'; readonly atNs: string }
  | { readonly type: 'closed' }
  | { readonly type: 'failed'; readonly message: string };

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('proxy-worker must run on a worker thread');
  const { targets } = workerData as ProxyWorkerData;
  const proxies = await Promise.all(Object.values(targets).map((t) => startArrivalProxy(t)));
  const names = Object.keys(targets);
  for (const p of proxies) {
    p.onArrival = (a) => {
      if (a.method === 'POST' && a.path.endsWith('/orders')) port.postMessage({ type: 'arrival', atNs: String(a.atNs) } satisfies ProxyWorkerMessage);
    };
  }
  port.on('message', (m: ProxyWorkerRequest) => {
    if (m.type === 'hold' || m.type === 'release') {
      for (const p of proxies) p[m.type]();
      return;
    }
    if (m.type !== 'close') return;
    void Promise.allSettled(proxies.map((p) => p.close())).then(() => {
      port.postMessage({ type: 'closed' } satisfies ProxyWorkerMessage);
      port.close();
    });
  });
  port.postMessage({ type: 'ready', urls: Object.fromEntries(names.map((n, i) => [n, proxies[i]!.url])) } satisfies ProxyWorkerMessage);
}

main().catch((err: unknown) => {
  parentPort?.postMessage({ type: 'failed', message: err instanceof Error ? err.message : String(err) } satisfies ProxyWorkerMessage);
});

/** A raw `ws` client for protocol tests: queues every frame so a test can await them in order. */
import WebSocket, { type ClientOptions } from 'ws';

export type Frame = { text: string; binary: false } | { bytes: Uint8Array; binary: true };

export class TestSocket {
  private readonly queue: Frame[] = [];
  private readonly waiters: ((f: Frame) => void)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      const frame: Frame = isBinary ? { bytes: new Uint8Array(buf), binary: true } : { text: buf.toString('utf8'), binary: false };
      const w = this.waiters.shift();
      if (w) w(frame);
      else this.queue.push(frame);
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static open(url: string, options?: ClientOptions): Promise<TestSocket> {
    const ws = new WebSocket(url, options);
    const sock = new TestSocket(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(sock));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  /** Frames received and not yet taken. */
  get pending(): number {
    return this.queue.length;
  }

  next(timeoutMs = 2000): Promise<Frame> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const waiter = (f: Frame): void => {
        clearTimeout(timer);
        resolve(f);
      };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`no frame within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  async nextJson(timeoutMs = 2000): Promise<Record<string, unknown>> {
    const f = await this.next(timeoutMs);
    if (f.binary) throw new Error('expected a text frame, got binary');
    return JSON.parse(f.text) as Record<string, unknown>;
  }

  async nextBinary(timeoutMs = 2000): Promise<Uint8Array> {
    const f = await this.next(timeoutMs);
    if (!f.binary) throw new Error(`expected a binary frame, got ${f.text.slice(0, 80)}`);
    return f.bytes;
  }

  /** Resolves when no frame arrives for `ms` (and returns what was drained meanwhile). */
  async drain(ms = 50): Promise<Frame[]> {
    await new Promise((r) => setTimeout(r, ms));
    return this.queue.splice(0);
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.terminate();
    await this.closed;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `p`'s value, or undefined if it has not settled within `ms`; the timer is cleared either way, so none outlives the test. */
export async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

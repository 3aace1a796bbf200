/** The campaign's side of the simulated venues' control surface (src/sim/admin.ts). */
import type { SimOrderArrival } from '../../src/sim/admin';

export class AdminClient {
  constructor(private readonly url: string) {}

  /** Retries a request that never got through (a starved venues process can refuse a connection). */
  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(`${this.url}${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      } catch (err) {
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        if (attempt >= 4) throw new Error(`admin ${method} ${path}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, { cause: err });
        await new Promise((r) => setTimeout(r, 250 * attempt));
        continue;
      }
      const json = (await res.json()) as T & { error?: string };
      if (res.status !== 200) throw new Error(`admin ${method} ${path}: HTTP ${res.status} ${json.error ?? ''}`);
      return json;
    }
  }

  async knob(knob: string, ...args: unknown[]): Promise<void> {
    await this.call('POST', '/knob', { knob, args });
  }

  async reset(): Promise<void> {
    await this.call('POST', '/reset');
  }

  /** Orders that reached a venue after `after`, waiting up to waitMs for one. */
  async arrivals(after: number, waitMs: number): Promise<{ arrivals: SimOrderArrival[]; last: number }> {
    return this.call('GET', `/orders?after=${after}&waitMs=${Math.max(0, Math.round(waitMs))}`);
  }

  /** The seq of the latest arrival (0 before any). */
  async last(): Promise<number> {
    return (await this.arrivals(0, 0)).last;
  }
}

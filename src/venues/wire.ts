/**
 * Pieces both venue clients share at the wire edge: decimal fields as the venues serve them, and
 * cancellable sleeps for polling that close() can cut short.
 */
import { z } from 'zod';

/** Both venues serve decimals as strings ('' or null = none); numbers are accepted too. */
export const wireDecimal = z.union([z.string(), z.number()]).transform((v, ctx) => {
  if (v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) {
    ctx.addIssue({ code: 'custom', message: `not a decimal: ${String(v)}` });
    return z.NEVER;
  }
  return n;
});
export const requiredDecimal = wireDecimal.refine((v): v is number => v !== undefined, 'missing decimal');
export const optionalDecimal = wireDecimal.nullish().transform((v) => v ?? undefined);

export interface Sleeper {
  /** Resolves after `ms`, or at once when `cancelAll` runs. */
  sleep(ms: number): Promise<void>;
  /** Clears every pending timer and resolves its sleep (used by close()). */
  cancelAll(): void;
}

export function createSleeper(): Sleeper {
  const pending = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  return {
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        const entry = {
          timer: setTimeout(() => {
            pending.delete(entry);
            resolve();
          }, ms),
          resolve,
        };
        pending.add(entry);
      }),
    cancelAll() {
      for (const entry of pending) {
        clearTimeout(entry.timer);
        entry.resolve();
      }
      pending.clear();
    },
  };
}

/**
 * Pieces both venue clients share at the wire edge: decimal fields as the venues serve them, cancellable
 * sleeps for polling that close() can cut short, and how a failed order becomes a value.
 */
import { z } from 'zod';
import { scrubErrorText } from '../logging/redact';
import type { RestFailure } from './http';
import type { OrderRejected } from './venue';

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

/**
 * A failed order POST as a value. Only a lost answer leaves the outcome unknown (timeout, dropped connection,
 * an unreadable or 5xx reply after sending): the executor must then look the order up by client id before
 * sending anything else for that leg. Everything else was definitely not executed.
 */
export function orderFailure(clientId: string, error: RestFailure): OrderRejected {
  const unknown =
    error.kind === 'timeout' ||
    error.kind === 'network' ||
    error.kind === 'malformed' ||
    (error.kind === 'http' && error.status !== undefined && error.status >= 500);
  return { ok: false, clientId, reason: scrubErrorText(error.message), unknown, ...(error.code !== undefined ? { code: error.code } : {}) };
}

/** An order refused before or by the venue, with nothing executed. */
export function orderRejected(clientId: string, reason: string, code?: string): OrderRejected {
  return { ok: false, clientId, reason: scrubErrorText(reason), unknown: false, ...(code !== undefined ? { code } : {}) };
}


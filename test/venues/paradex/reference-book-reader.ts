/**
 * An independent, deliberately plain reader of Paradex book frames, written from venues.md §1.5
 * alone (not from src/), for property tests of the production decoders. Slow and obvious on purpose:
 * BigInt reads at the documented offsets, decimal strings for the 1e-8 mantissas, a Map per side.
 *
 * SBE BookEvent (template 3): header u16 blockLength, u16 templateId, u16 schemaId, u16 version;
 * root block: ts int64 (µs) @0, seq int64 @8, pkgType u8 @16 (0 snapshot, 1 delta), …; then the
 * bids group and the asks group (u16 entry blockLength, u16 numInGroup, entries price int64 and
 * size int64), then the market as u8 length + UTF-8. Size 0 in a delta removes the level.
 * JSON: `params.data` with seq_no, last_updated_at (ms), update_type 's' | 'd', inserts, updates,
 * deletes (each {side: BUY | SELL, price, size}).
 */
import type { Level } from '../../../src/domain/order-book';

export interface ReferenceFrame {
  readonly kind: 'snapshot' | 'delta';
  readonly seq: number;
  /** Exchange time, ms. */
  readonly tsMs: number;
  readonly market: string;
  /** [price, size] changes in wire order; size 0 removes. */
  readonly bids: ReadonlyArray<readonly [number, number]>;
  readonly asks: ReadonlyArray<readonly [number, number]>;
}

/** mantissa × 10^-8 written out as a decimal string, then read as a number. */
function mantissa(m: bigint): number {
  const negative = m < 0n;
  const abs = negative ? -m : m;
  const whole = abs / 100_000_000n;
  const fraction = (abs % 100_000_000n).toString().padStart(8, '0');
  return Number(`${negative ? '-' : ''}${whole}.${fraction}`);
}

export function readSbeBookFrame(frame: Uint8Array): ReferenceFrame {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const rootLength = view.getUint16(0, true);
  const templateId = view.getUint16(2, true);
  if (templateId !== 3) throw new Error(`not a BookEvent: template ${templateId}`);
  const root = 8;
  const ts = view.getBigInt64(root, true);
  const seq = view.getBigInt64(root + 8, true);
  const pkgType = view.getUint8(root + 16);
  let at = root + rootLength;
  const group = (): Array<[number, number]> => {
    const entryLength = view.getUint16(at, true);
    const count = view.getUint16(at + 2, true);
    at += 4;
    const out: Array<[number, number]> = [];
    for (let i = 0; i < count; i++) {
      out.push([mantissa(view.getBigInt64(at, true)), mantissa(view.getBigInt64(at + 8, true))]);
      at += entryLength;
    }
    return out;
  };
  const bids = group();
  const asks = group();
  const nameLength = view.getUint8(at);
  const market = new TextDecoder().decode(frame.subarray(at + 1, at + 1 + nameLength));
  return { kind: pkgType === 0 ? 'snapshot' : 'delta', seq: Number(seq), tsMs: Number(ts / 1000n), market, bids, asks };
}

interface JsonLevel {
  side: 'BUY' | 'SELL';
  price: string;
  size: string;
}

export function readJsonBookFrame(text: string): ReferenceFrame {
  const msg = JSON.parse(text) as {
    params: { data: { seq_no: number; last_updated_at: number; market: string; update_type: string; inserts: JsonLevel[]; updates: JsonLevel[]; deletes: JsonLevel[] } };
  };
  const d = msg.params.data;
  const bids: Array<[number, number]> = [];
  const asks: Array<[number, number]> = [];
  const add = (l: JsonLevel, size: number): void => {
    (l.side === 'BUY' ? bids : asks).push([Number(l.price), size]);
  };
  for (const l of d.deletes) add(l, 0);
  for (const l of d.inserts) add(l, Number(l.size));
  for (const l of d.updates) add(l, Number(l.size));
  return { kind: d.update_type === 's' ? 'snapshot' : 'delta', seq: d.seq_no, tsMs: d.last_updated_at, market: d.market, bids, asks };
}

/** A whole book kept as price → size per side; `levels()` lists it best first. */
export class ReferenceBook {
  private readonly bidSizes = new Map<number, number>();
  private readonly askSizes = new Map<number, number>();

  apply(frame: ReferenceFrame): void {
    if (frame.kind === 'snapshot') {
      this.bidSizes.clear();
      this.askSizes.clear();
    }
    for (const [price, size] of frame.bids) ReferenceBook.put(this.bidSizes, price, size);
    for (const [price, size] of frame.asks) ReferenceBook.put(this.askSizes, price, size);
  }

  levels(): { bids: Level[]; asks: Level[] } {
    const list = (m: Map<number, number>, descending: boolean): Level[] =>
      [...m.entries()].sort((x, y) => (descending ? y[0] - x[0] : x[0] - y[0])).map(([price, size]) => ({ price, size }));
    return { bids: list(this.bidSizes, true), asks: list(this.askSizes, false) };
  }

  private static put(side: Map<number, number>, price: number, size: number): void {
    if (size === 0) side.delete(price);
    else side.set(price, size);
  }
}

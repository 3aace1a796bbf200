/**
 * Funding in a recording (format version 2, record kind FUNDING, key "<venue>:<symbol>"): every answer of a
 * venue's funding poll exactly as the bot received it, at its arrival time, so a replay hands the bot the same
 * `PairFunding` at the same moments (carry in the entry edge, adverse-funding exits, funding PnL from index
 * differences).
 *
 * Payload (UTF-8 JSON):
 *   {"ok":true,"ratePerHour":r,"index":i,"at":t,"raw":{…}}   the snapshot in the bot's unit (fraction of notional
 *                                                          per hour, cumulative index, venue or receive time, ms)
 *                                                          and the wire row it was decoded from (Paradex
 *                                                          `GET /v1/funding/data` row; Vest `GET /ticker/latest`
 *                                                          entry)
 *   {"ok":false,"reason":"…"}                             a poll that brought no figure (HTTP error, bad row)
 *
 * A record converted from another client may carry only `raw`: it is then decoded with the venue's own decoder
 * (Vest rows carry no time: the record's receive time is used, as live).
 */
import type { VenueId } from '../domain/market';
import { decodeParadexFundingRow, decodeVestTickers, type FundingDecoded } from './funding';
import { RecordKind, recordText, type FrameRecorder } from './recording';

/** One poll of a venue's public funding for a venue symbol; never rejects (streams/venues.ts FundingPoll). */
type FundingPoll = (symbol: string) => Promise<FundingDecoded>;

/** The record's JSON for one poll's answer. */
export function encodeFundingRecord(decoded: FundingDecoded): string {
  if (!decoded.ok) return JSON.stringify({ ok: false, reason: decoded.reason });
  const { ratePerHour, index, at } = decoded.snapshot;
  return JSON.stringify({ ok: true, ratePerHour, index, at, ...(decoded.raw !== undefined ? { raw: decoded.raw } : {}) });
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * A FUNDING record's answer as the poll gave it live. A malformed record is a failed poll (counted and dropped
 * by the feed, as live), never a zero.
 */
export function decodeFundingRecord(key: string, payload: Uint8Array, receivedAtMs: number): FundingDecoded {
  const [venue, symbol] = splitKey(key);
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch {
    return { ok: false, reason: `recorded funding ${key}: not JSON` };
  }
  if (typeof body !== 'object' || body === null) return { ok: false, reason: `recorded funding ${key}: not an object` };
  const r = body as { ok?: unknown; reason?: unknown; ratePerHour?: unknown; index?: unknown; at?: unknown; raw?: unknown };
  if (r.ok === false) return { ok: false, reason: typeof r.reason === 'string' ? r.reason : `recorded funding ${key}: failed poll` };
  if (r.ok !== true) return { ok: false, reason: `recorded funding ${key}: "ok" must be true or false` };
  if (finite(r.ratePerHour) && finite(r.index) && finite(r.at)) {
    return { ok: true, snapshot: { ratePerHour: r.ratePerHour, index: r.index, at: r.at }, ...(r.raw !== undefined ? { raw: r.raw } : {}) };
  }
  if (r.raw === undefined) return { ok: false, reason: `recorded funding ${key}: needs ratePerHour, index and at (finite numbers) or the raw row` };
  if (venue === 'paradex') return decodeParadexFundingRow(r.raw, symbol);
  if (venue === 'vest') return decodeVestTickers([r.raw], symbol, receivedAtMs);
  return { ok: false, reason: `recorded funding ${key}: unknown venue ${JSON.stringify(venue)}` };
}

function splitKey(key: string): [string, string] {
  const at = key.indexOf(':');
  return at < 0 ? [key, ''] : [key.slice(0, at), key.slice(at + 1)];
}

/** The venues' funding polls, each answer also written to the recording (at its arrival, before the bot reads it). */
export function recordingFundingPolls<P extends Readonly<Record<VenueId, FundingPoll>>>(polls: P, recorder: FrameRecorder): Record<VenueId, FundingPoll> {
  const recorded = (venue: VenueId): FundingPoll => async (symbol) => {
    const decoded = await polls[venue](symbol);
    recordText(recorder, RecordKind.FUNDING, `${venue}:${symbol}`, encodeFundingRecord(decoded));
    return decoded;
  };
  return { paradex: recorded('paradex'), vest: recorded('vest') };
}

/**
 * Funding in a recording (format version 2, record kind FUNDING, key "<venue>:<symbol>"): every funding figure
 * the bot received, at its arrival time, from whichever source fed it (the venue's WebSocket channel, or a REST
 * poll while the WS was silent or refused), and every poll that brought none, so a replay hands the bot the same
 * `PairFunding` at the same moments (carry in the entry edge, adverse-funding exits, funding PnL from index
 * differences).
 *
 * Why at delivery and not at each source: the bot reads WS first with REST as a fallback
 * (streams/funding-with-fallback.ts), and what it reads depends on which source was on at the time (a REST
 * answer arriving after the WS came back is discarded; one older than the last WS figure is dropped). Recording
 * what came out of that choice is what the bot saw, whatever the sources did.
 *
 * Payload (UTF-8 JSON):
 *   {"ok":true,"ratePerHour":r,"index":i,"at":t,"source":"ws"|"rest","raw":{…},"frame":{…}}
 *       the snapshot in the bot's unit (fraction of notional per hour, cumulative index, venue or receive time,
 *       ms); `source` the feed it came from (absent in records written before WS funding was recorded: REST);
 *       `raw` the REST row it was decoded from (Paradex `GET /v1/funding/data` row; Vest `GET /ticker/latest`
 *       entry); `frame` the WS frame it was read from, as received: {"sbe":"<base64>"} (Paradex SBE
 *       FundingDataEvent) or {"text":"…"} (Paradex JSON `funding_data` push, Vest `tickers` push)
 *   {"ok":false,"reason":"…"}   a poll that brought no figure (HTTP error, bad row)
 *
 * A record converted from another client may carry only `frame` or `raw`: it is then decoded with the venue's own
 * decoder (Vest carries no time: the record's receive time is used, as live).
 */
import type { FundingSnapshot } from '../domain/funding';
import type { VenueId } from '../domain/market';
import { decodeParadexFundingRow, decodeVestTickers, type FundingDecoded } from './funding';
import { paradexFundingChannel, vestFundingChannel } from './funding-ws';
import { RecordKind, recordText, type FrameRecorder } from './recording';

/** Which feed a figure came from. */
export type FundingSourceKind = 'ws' | 'rest';

/**
 * A WS funding frame as recorded: SBE bytes in base64 (with `rateSbe`, the MarketSummaryEvent the rate was taken
 * from, when it was), text as is.
 */
export type RecordedFundingFrame = { readonly sbe: string; readonly rateSbe?: string } | { readonly text: string };

/** What a recording keeps of where a snapshot came from, noted when it was decoded (`noteFundingOrigin`). */
interface FundingOrigin {
  readonly raw?: unknown;
  readonly frame?: RecordedFundingFrame;
}

/**
 * The wire form of snapshots decoded while recording, by snapshot (the same object travels to the bot), read
 * when the bot receives it. Weak: a snapshot the bot never received is forgotten with it.
 */
const origins = new WeakMap<FundingSnapshot, FundingOrigin>();

const base64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

/** Keeps the WS frame(s) a snapshot was read from, for its record (encoded now: the socket's buffer is not ours). */
export function noteFundingFrame(snapshot: FundingSnapshot, frame: Uint8Array, isBinary: boolean, rateFrame?: Uint8Array): void {
  const recorded: RecordedFundingFrame = isBinary
    ? { sbe: base64(frame), ...(rateFrame ? { rateSbe: base64(rateFrame) } : {}) }
    : { text: Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('utf8') };
  origins.set(snapshot, { frame: recorded });
}

/** One poll of a venue's public funding for a venue symbol; never rejects (streams/venues.ts FundingPoll). */
type FundingPoll = (symbol: string) => Promise<FundingDecoded>;

/** The record's JSON for one answer: a figure (with its source and wire form when known) or a failed poll. */
export function encodeFundingRecord(decoded: FundingDecoded, source?: FundingSourceKind, frame?: RecordedFundingFrame): string {
  if (!decoded.ok) return JSON.stringify({ ok: false, reason: decoded.reason });
  const { ratePerHour, index, at } = decoded.snapshot;
  return JSON.stringify({
    ok: true,
    ratePerHour,
    index,
    at,
    ...(source !== undefined ? { source } : {}),
    ...(decoded.raw !== undefined ? { raw: decoded.raw } : {}),
    ...(frame !== undefined ? { frame } : {}),
  });
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
  const r = body as { ok?: unknown; reason?: unknown; ratePerHour?: unknown; index?: unknown; at?: unknown; raw?: unknown; frame?: unknown };
  if (r.ok === false) return { ok: false, reason: typeof r.reason === 'string' ? r.reason : `recorded funding ${key}: failed poll` };
  if (r.ok !== true) return { ok: false, reason: `recorded funding ${key}: "ok" must be true or false` };
  if (finite(r.ratePerHour) && finite(r.index) && finite(r.at)) {
    return { ok: true, snapshot: { ratePerHour: r.ratePerHour, index: r.index, at: r.at }, ...(r.raw !== undefined ? { raw: r.raw } : {}) };
  }
  if (r.frame !== undefined) return decodeRecordedFrame(key, venue, symbol, r.frame, receivedAtMs);
  if (r.raw === undefined) return { ok: false, reason: `recorded funding ${key}: needs ratePerHour, index and at (finite numbers), the WS frame or the raw row` };
  if (venue === 'paradex') return decodeParadexFundingRow(r.raw, symbol);
  if (venue === 'vest') return decodeVestTickers([r.raw], symbol, receivedAtMs);
  return { ok: false, reason: `recorded funding ${key}: unknown venue ${JSON.stringify(venue)}` };
}

/** A recorded WS frame read by the venue's own channel decoder (the one the live socket used). */
function decodeRecordedFrame(key: string, venue: string, symbol: string, frame: unknown, receivedAtMs: number): FundingDecoded {
  const f = frame as { sbe?: unknown; rateSbe?: unknown; text?: unknown } | null;
  const bytes =
    typeof f?.sbe === 'string' ? { data: new Uint8Array(Buffer.from(f.sbe, 'base64')), binary: true } : typeof f?.text === 'string' ? { data: new Uint8Array(Buffer.from(f.text, 'utf8')), binary: false } : undefined;
  if (bytes === undefined) return { ok: false, reason: `recorded funding ${key}: "frame" must be {"sbe": base64} or {"text": string}` };
  const channel = venue === 'paradex' ? paradexFundingChannel(symbol, true) : venue === 'vest' ? vestFundingChannel(symbol) : undefined;
  if (channel === undefined) return { ok: false, reason: `recorded funding ${key}: unknown venue ${JSON.stringify(venue)}` };
  // The summary the rate came from goes first, as it did on the socket.
  if (typeof f?.rateSbe === 'string') channel.read(new Uint8Array(Buffer.from(f.rateSbe, 'base64')), true, receivedAtMs);
  const read = channel.read(bytes.data, bytes.binary, receivedAtMs);
  if (read.kind === 'snapshot') return { ok: true, snapshot: read.snapshot };
  return { ok: false, reason: `recorded funding ${key}: ${read.kind === 'ignored' ? 'the frame carries no funding' : read.reason}` };
}

function splitKey(key: string): [string, string] {
  const at = key.indexOf(':');
  return at < 0 ? [key, ''] : [key.slice(0, at), key.slice(at + 1)];
}

/**
 * The venues' funding polls, recording as the bot reads them: a failed answer is written at once (the feed counts
 * and drops it); a good one is noted with its row and written when the bot receives it (`recordDeliveredFunding`),
 * as a fallback may discard it.
 */
export function recordingFundingPolls<P extends Readonly<Record<VenueId, FundingPoll>>>(polls: P, recorder: FrameRecorder): Record<VenueId, FundingPoll> {
  const recorded = (venue: VenueId): FundingPoll => async (symbol) => {
    const decoded = await polls[venue](symbol);
    if (decoded.ok) origins.set(decoded.snapshot, decoded.raw !== undefined ? { raw: decoded.raw } : {});
    else recordText(recorder, RecordKind.FUNDING, `${venue}:${symbol}`, encodeFundingRecord(decoded));
    return decoded;
  };
  return { paradex: recorded('paradex'), vest: recorded('vest') };
}

/** A figure the bot is about to read, written to the recording with its source and wire form (at its arrival). */
export function recordDeliveredFunding(recorder: FrameRecorder, venue: VenueId, symbol: string, snapshot: FundingSnapshot, source: FundingSourceKind): void {
  const origin = origins.get(snapshot);
  const decoded: FundingDecoded = { ok: true, snapshot, ...(origin?.raw !== undefined ? { raw: origin.raw } : {}) };
  recordText(recorder, RecordKind.FUNDING, `${venue}:${symbol}`, encodeFundingRecord(decoded, source, origin?.frame));
}

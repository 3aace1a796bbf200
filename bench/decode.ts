/**
 * Decode section: Paradex SBE and JSON book frames decoded and applied to a book, the bare
 * JSON.parse floor of the same frames, and Vest depth frames decoded into a book.
 */
import { bookFromLevels, Ladder } from '../src/domain/order-book';
import { decodeParadexJson } from '../src/venues/paradex/json-codec';
import { decodeSbeBookInto, SbeBookDecoder } from '../src/venues/paradex/sbe';
import { decodeVestMessage } from '../src/venues/vest/codec';
import { deltaFrames, snapshotFrames } from './fixtures';
import { consume, measurePairedRatio, measureRate } from './measure';

export interface DecodeOptions {
  /** Distinct frames generated (cycled through while timing). */
  readonly frames: number;
  /** Frames per timed round of the SBE decoders; the JSON ones use a twentieth. */
  readonly opsPerRound: number;
  readonly rounds: number;
}

/** Rounds the JSON/JSON.parse ratio is reported over (its median and spread). */
export const JSON_RATIO_ROUNDS = 5;

export const DEFAULT_DECODE: DecodeOptions = { frames: 2_000, opsPerRound: 500_000, rounds: 5 };

export interface DecodeResult {
  /** Paradex SBE 15+15 snapshot frames decoded and applied to a Ladder, per second (best round). */
  sbeFramesPerSec: number;
  /** The same book frames as JSON pushes, decoded (hand-checked path) and applied, per CPU second (median pair). */
  jsonFramesPerSec: number;
  /** Bare JSON.parse of those JSON frames, per CPU second (median pair). */
  jsonParseFloorPerSec: number;
  /** Median over five rounds of the per-pair ratio JSON decode + apply / JSON.parse (each round: the median of 9 pairs). */
  jsonVsFloor: number;
  /** The five rounds' lowest and highest ratio, and max − min. */
  jsonVsFloorMin: number;
  jsonVsFloorMax: number;
  jsonVsFloorSpread: number;
  /** Vest top-20 depth frames decoded and built into a sorted book, per second. */
  vestFramesPerSec: number;
  /** Extra: Paradex SBE delta frames (deltas channel, whole book) decoded and applied, per second. */
  sbeDeltaFramesPerSec: number;
  /** Extra: mean levels per side in those delta frames. */
  sbeDeltaLevelsPerFrame: number;
  /** Extra: bytes of one SBE / JSON 15+15 frame. */
  sbeFrameBytes: number;
  jsonFrameBytes: number;
}

export function runDecodeBench(opts: DecodeOptions = DEFAULT_DECODE): DecodeResult {
  const { sbe, json: jsonFrames, vest } = snapshotFrames(opts.frames);
  const n = sbe.length;
  const rate = (round: (count: number) => void, ops: number): number =>
    measureRate(round, { opsPerRound: Math.max(1, ops), rounds: opts.rounds });

  const ladder = new Ladder();
  const decoder = new SbeBookDecoder();
  const sbeFramesPerSec = rate((count) => {
    for (let i = 0; i < count; i++) decodeSbeBookInto(sbe[i % n]!, ladder, decoder);
    consume(ladder.bestBidPrice());
  }, opts.opsPerRound);

  // What ParadexBookState.handleText does with a book push: decode, then apply to its Ladder; against
  // the bare JSON.parse floor of the same frames. The ratio is taken pair by pair in CPU time (see
  // measurePairedRatio): the best wall-time round of each side, as before, swung from 0.85 to 0.57
  // between runs with the machine's load.
  const jsonLadder = new Ladder();
  const opsPerPair = Math.max(1, Math.round(opts.opsPerRound / 200));
  const json = measurePairedRatio(
    (count) => {
      for (let i = 0; i < count; i++) {
        const msg = decodeParadexJson(jsonFrames[i % n]!);
        if (msg.type !== 'book') throw new Error(`bench frame did not decode as a book: ${msg.type}`);
        if (msg.kind === 'snapshot') jsonLadder.clear();
        for (const b of msg.bids) jsonLadder.set('bid', b.price, b.size);
        for (const a of msg.asks) jsonLadder.set('ask', a.price, a.size);
      }
      consume(jsonLadder.bestBidPrice());
    },
    (count) => {
      let last: unknown;
      for (let i = 0; i < count; i++) last = JSON.parse(jsonFrames[i % n]!);
      consume(last);
    },
    // 12 pairs of warm-up, 30,000 frames a side at full scale: the JSON decoder reaches its steady
    // speed after 12,000-25,000 frames (measured).
    { opsPerPair, pairsPerRound: 9, rounds: JSON_RATIO_ROUNDS, warmupPairs: 12 },
  );
  const jsonFramesPerSec = json.rateA;
  const jsonParseFloorPerSec = json.rateB;

  // What VestBookState does with a depth push: decode, then sort into a book.
  const vestFramesPerSec = rate((count) => {
    let book;
    for (let i = 0; i < count; i++) {
      const msg = decodeVestMessage(vest[i % n]!);
      if (msg.type !== 'depth') throw new Error(`bench frame did not decode as depth: ${msg.type}`);
      book = bookFromLevels(msg.bids, msg.asks, { receivedAt: i });
    }
    consume(book);
  }, opts.opsPerRound / 20);

  // Deltas must be applied in order from their snapshot, so each round replays the sequence.
  const deltas = deltaFrames(opts.frames);
  const deltaLadder = new Ladder();
  const deltaDecoder = new SbeBookDecoder();
  const replays = Math.max(1, Math.round(opts.opsPerRound / deltas.length));
  const sbeDeltaFramesPerSec = measureRate(
    (count) => {
      for (let r = 0; r < count; r++) for (const f of deltas) decodeSbeBookInto(f, deltaLadder, deltaDecoder);
      consume(deltaLadder.bestAskPrice());
    },
    { opsPerRound: replays, rounds: opts.rounds },
  ) * deltas.length;
  let deltaLevels = 0;
  for (const f of deltas.slice(1)) {
    deltaDecoder.decode(f);
    deltaLevels += deltaDecoder.bidCount + deltaDecoder.askCount;
  }

  return {
    sbeFramesPerSec,
    jsonFramesPerSec,
    jsonParseFloorPerSec,
    jsonVsFloor: json.ratio,
    jsonVsFloorMin: Math.min(...json.roundRatios),
    jsonVsFloorMax: Math.max(...json.roundRatios),
    jsonVsFloorSpread: Math.max(...json.roundRatios) - Math.min(...json.roundRatios),
    vestFramesPerSec,
    sbeDeltaFramesPerSec,
    sbeDeltaLevelsPerFrame: deltaLevels / Math.max(1, deltas.length - 1) / 2,
    sbeFrameBytes: sbe[0]!.byteLength,
    jsonFrameBytes: Buffer.byteLength(jsonFrames[0]!),
  };
}

/**
 * Decode section: Paradex SBE and JSON book frames decoded and applied to a book, the bare
 * JSON.parse floor of the same frames, and Vest depth frames decoded into a book.
 */
import { bookFromLevels, Ladder } from '../src/domain/order-book';
import { decodeParadexJson } from '../src/venues/paradex/json-codec';
import { decodeSbeBookInto, SbeBookDecoder } from '../src/venues/paradex/sbe';
import { decodeVestMessage } from '../src/venues/vest/codec';
import { deltaFrames, snapshotFrames } from './fixtures';
import { consume, measureRate, measureRatesInterleaved } from './measure';

export interface DecodeOptions {
  /** Distinct frames generated (cycled through while timing). */
  readonly frames: number;
  /** Frames per timed round of the SBE decoders; the JSON ones use a twentieth. */
  readonly opsPerRound: number;
  readonly rounds: number;
}

export const DEFAULT_DECODE: DecodeOptions = { frames: 2_000, opsPerRound: 500_000, rounds: 5 };

export interface DecodeResult {
  /** Paradex SBE 15+15 snapshot frames decoded and applied to a Ladder, per second. */
  sbeFramesPerSec: number;
  /** The same book frames as JSON pushes, decoded (hand-checked path) and applied, per second. */
  jsonFramesPerSec: number;
  /** Bare JSON.parse of those JSON frames, per second. */
  jsonParseFloorPerSec: number;
  jsonVsFloor: number;
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
  const { sbe, json, vest } = snapshotFrames(opts.frames);
  const n = sbe.length;
  const rate = (round: (count: number) => void, ops: number): number =>
    measureRate(round, { opsPerRound: Math.max(1, ops), rounds: opts.rounds });

  const ladder = new Ladder();
  const decoder = new SbeBookDecoder();
  const sbeFramesPerSec = rate((count) => {
    for (let i = 0; i < count; i++) decodeSbeBookInto(sbe[i % n]!, ladder, decoder);
    consume(ladder.bestBidPrice());
  }, opts.opsPerRound);

  // What ParadexBookState.handleText does with a book push: decode, then apply to its Ladder.
  // Measured in alternating rounds with the bare JSON.parse floor, since the figure is their ratio.
  const jsonLadder = new Ladder();
  const [jsonFramesPerSec, jsonParseFloorPerSec] = measureRatesInterleaved(
    [
      (count) => {
        for (let i = 0; i < count; i++) {
          const msg = decodeParadexJson(json[i % n]!);
          if (msg.type !== 'book') throw new Error(`bench frame did not decode as a book: ${msg.type}`);
          if (msg.kind === 'snapshot') jsonLadder.clear();
          for (const b of msg.bids) jsonLadder.set('bid', b.price, b.size);
          for (const a of msg.asks) jsonLadder.set('ask', a.price, a.size);
        }
        consume(jsonLadder.bestBidPrice());
      },
      (count) => {
        let last: unknown;
        for (let i = 0; i < count; i++) last = JSON.parse(json[i % n]!);
        consume(last);
      },
    ],
    { opsPerRound: Math.max(1, Math.round(opts.opsPerRound / 20)), rounds: opts.rounds },
  ) as [number, number];

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
    jsonVsFloor: jsonFramesPerSec / jsonParseFloorPerSec,
    vestFramesPerSec,
    sbeDeltaFramesPerSec,
    sbeDeltaLevelsPerFrame: deltaLevels / Math.max(1, deltas.length - 1) / 2,
    sbeFrameBytes: sbe[0]!.byteLength,
    jsonFrameBytes: Buffer.byteLength(json[0]!),
  };
}

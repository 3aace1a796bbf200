/**
 * Fault knobs of the simulated venues' market-data side (contract A). Tests flip them between
 * steps; the servers read them once per update round, so a knob set before `step()` affects
 * exactly that round's frames on every socket of the venue.
 */
import type { VenueId } from '../domain/market';

export type MalformedKind = 'garbage' | 'truncated';

export interface SimFaults {
  /** Destroy all open WS sockets of that venue now (no close frame, like a network drop). */
  dropConnections(venue: VenueId): void;
  /** Stop pushing book updates (a stale feed) ... */
  pauseFeed(venue: VenueId): void;
  /** ... until resumed; the next round carries everything that changed meanwhile. */
  resumeFeed(venue: VenueId): void;
  /** Paradex: the deltas frames of the next `count` rounds jump seq by +2 (a gap). */
  skipSeq(count?: number): void;
  /** Paradex: in the next `count` rounds each deltas frame is sent twice (same seq). */
  duplicateSeq(count?: number): void;
  /** Paradex: the deltas frames of the next two rounds go out in swapped order. */
  reorderSeq(): void;
  /** The book frames of the next `count` rounds are replaced by junk or cut short. */
  sendMalformed(venue: VenueId, kind: MalformedKind, count?: number): void;
  /** Delay every outgoing book frame by `ms` (0 = off). */
  delayFrames(venue: VenueId, ms: number): void;
  /** Subscribes to channels matching `pattern` are refused with the venue's invalid-channel error (undefined = none). */
  refuseChannels(venue: VenueId, pattern: RegExp | undefined): void;
  /** Subscribes to channels matching `pattern` are accepted, then nothing is pushed on them (a stalled channel; undefined = none). */
  muteChannels(venue: VenueId, pattern: RegExp | undefined): void;
}

/** What a server needs to know about sequence faults in one round. */
export interface SeqFaultsOfRound {
  readonly skip: boolean;
  readonly duplicate: boolean;
  /** 'hold': keep this round's deltas frame back; 'release': send it after the next one. */
  readonly reorder: 'hold' | 'release' | undefined;
}

/** Mutable fault state shared by the servers; `SimFaults` is its public face. */
export class FaultState implements SimFaults {
  private readonly dropHandlers = new Map<VenueId, () => void>();
  private readonly paused = new Set<VenueId>();
  private readonly malformed = new Map<VenueId, { kind: MalformedKind; rounds: number }>();
  private readonly delays = new Map<VenueId, number>();
  private readonly refused = new Map<VenueId, RegExp>();
  private readonly muted = new Map<VenueId, RegExp>();
  private skipRounds = 0;
  private duplicateRounds = 0;
  private reorder: 'armed' | 'release' | undefined;

  /** Registered by each venue server. */
  onDrop(venue: VenueId, handler: () => void): void {
    this.dropHandlers.set(venue, handler);
  }

  dropConnections(venue: VenueId): void {
    this.dropHandlers.get(venue)?.();
  }

  pauseFeed(venue: VenueId): void {
    this.paused.add(venue);
  }

  resumeFeed(venue: VenueId): void {
    this.paused.delete(venue);
  }

  skipSeq(count = 1): void {
    this.skipRounds += positive(count, 'skipSeq count');
  }

  duplicateSeq(count = 1): void {
    this.duplicateRounds += positive(count, 'duplicateSeq count');
  }

  reorderSeq(): void {
    this.reorder = 'armed';
  }

  sendMalformed(venue: VenueId, kind: MalformedKind, count = 1): void {
    this.malformed.set(venue, { kind, rounds: positive(count, 'sendMalformed count') });
  }

  delayFrames(venue: VenueId, ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`delayFrames needs ms >= 0, got ${ms}`);
    this.delays.set(venue, ms);
  }

  refuseChannels(venue: VenueId, pattern: RegExp | undefined): void {
    if (pattern) this.refused.set(venue, pattern);
    else this.refused.delete(venue);
  }

  muteChannels(venue: VenueId, pattern: RegExp | undefined): void {
    if (pattern) this.muted.set(venue, pattern);
    else this.muted.delete(venue);
  }

  isMuted(venue: VenueId, channel: string): boolean {
    return this.muted.get(venue)?.test(channel) ?? false;
  }

  isRefused(venue: VenueId, channel: string): boolean {
    return this.refused.get(venue)?.test(channel) ?? false;
  }

  isPaused(venue: VenueId): boolean {
    return this.paused.has(venue);
  }

  delayOf(venue: VenueId): number {
    return this.delays.get(venue) ?? 0;
  }

  /** Consumes one round of the malformed-frame knob. */
  takeMalformed(venue: VenueId): MalformedKind | undefined {
    const m = this.malformed.get(venue);
    if (!m) return undefined;
    if (--m.rounds <= 0) this.malformed.delete(venue);
    return m.kind;
  }

  /** Consumes one round of the Paradex sequence knobs. */
  takeSeqFaults(): SeqFaultsOfRound {
    const skip = this.skipRounds > 0;
    if (skip) this.skipRounds--;
    const duplicate = this.duplicateRounds > 0;
    if (duplicate) this.duplicateRounds--;
    let reorder: SeqFaultsOfRound['reorder'];
    if (this.reorder === 'armed') {
      reorder = 'hold';
      this.reorder = 'release';
    } else if (this.reorder === 'release') {
      reorder = 'release';
      this.reorder = undefined;
    }
    return { skip, duplicate, reorder };
  }
}

function positive(count: number, what: string): number {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`${what} must be a positive integer, got ${count}`);
  return count;
}

/** Junk in place of a frame: text for JSON sockets, bytes with a bogus SBE header for binary ones. */
export function malformedFrame(frame: string | Uint8Array, kind: MalformedKind): string | Uint8Array {
  if (kind === 'truncated') {
    const cut = Math.max(1, Math.floor(frame.length / 2));
    return typeof frame === 'string' ? frame.slice(0, cut) : frame.slice(0, cut);
  }
  if (typeof frame === 'string') return '{"jsonrpc":"2.0","method":"subscription","params":{"channel":}}\u0000garbage';
  // Header claims a huge block for template 3, then nothing: a decoder must reject it, not read past the end.
  const junk = new Uint8Array(12);
  const view = new DataView(junk.buffer);
  view.setUint16(0, 0xfff0, true);
  view.setUint16(2, 3, true);
  view.setUint16(4, 1, true);
  view.setUint16(6, 1, true);
  view.setUint32(8, 0xdeadbeef, true);
  return junk;
}

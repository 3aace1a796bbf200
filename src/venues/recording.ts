/**
 * Market-data recording: every frame a venue's book socket receives, byte for byte, with its local
 * receive time and the connection's lifecycle, so a run can be replayed later through the same
 * decoders and book clients (streams/cli/replay.ts). Format (README "Backtesting"):
 *
 *   files   `frames-<UTC start>-<n>.vrec.gz`, sorted by name = recorded order; a new file per size
 *           limit or UTC hour. Each file is one or more concatenated gzip members (one per batch
 *           written), so a recorder killed mid-write loses at most its last batch.
 *   content `VPREC2\n` (7 bytes; `VPREC1\n` files, written before funding was recorded, are still read),
 *           then records, little-endian:
 *           u32 bodyLength | u8 kind | u64 receivedAtNs | u8 keyLength | key (UTF-8) | payload
 *           bodyLength counts everything after itself. `key` = "<venue>:<symbol>" (one socket each).
 *
 * Why gzip from node:zlib: it is built in (no dependency), well kept, and compresses on the libuv thread
 * pool (zlib.gzip is asynchronous), so the socket's thread only copies bytes into a batch.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

/** Written by this recorder: version 2 adds FUNDING records. */
export const RECORDING_MAGIC = Buffer.from('VPREC2\n', 'latin1');
/** Version 1 (books only, no funding): still replayed; its funding is "not recorded", never a zero. */
export const RECORDING_MAGIC_V1 = Buffer.from('VPREC1\n', 'latin1');
/** The format versions a reader takes, by header. */
export type RecordingVersion = 1 | 2;
export const RECORDING_EXT = '.vrec.gz';

export const RecordKind = {
  /** A text (JSON) frame received; payload = its UTF-8 bytes. */
  TEXT: 1,
  /** A binary (SBE) frame received; payload = its bytes. */
  BINARY: 2,
  /** A connection attempt; payload = the URL. */
  CONNECT: 3,
  /** The socket opened. */
  OPEN: 4,
  /** A text frame the client sent (subscribe, ping); payload = its UTF-8 bytes. */
  SENT: 5,
  /** A WebSocket ping from the venue. */
  PING: 6,
  /** The socket was lost; payload = the reason text. */
  CLOSE: 7,
  /** Run metadata; payload = JSON (`{"type":"market",...}` market rules, `{"type":"start",...}`). */
  META: 8,
  /** Frames the recorder had to drop (writer behind); payload = JSON `{"records":n,"bytes":n}`. */
  LOST: 9,
  /**
   * (Version 2) One funding observation the bot received (a REST poll's answer), key "<venue>:<symbol>";
   * payload = JSON, src/venues/funding-record.ts: `{"ok":true,"ratePerHour","index","at","raw"}` or
   * `{"ok":false,"reason"}`.
   */
  FUNDING: 10,
} as const;
export type RecordKindCode = (typeof RecordKind)[keyof typeof RecordKind];

export interface RecordedEntry {
  readonly kind: RecordKindCode;
  readonly receivedAtNs: bigint;
  readonly key: string;
  readonly payload: Uint8Array;
}

const HEAD = 4 + 1 + 8 + 1;

/** One record's bytes. */
export function encodeRecord(kind: RecordKindCode, receivedAtNs: bigint, key: string, payload: Uint8Array): Buffer {
  const keyBytes = Buffer.from(key, 'utf8');
  if (keyBytes.length > 255) throw new RangeError(`record key longer than 255 bytes: ${key}`);
  const out = Buffer.allocUnsafe(HEAD + keyBytes.length + payload.length);
  out.writeUInt32LE(out.length - 4, 0);
  out.writeUInt8(kind, 4);
  out.writeBigUInt64LE(receivedAtNs, 5);
  out.writeUInt8(keyBytes.length, 13);
  keyBytes.copy(out, 14);
  out.set(payload, 14 + keyBytes.length);
  return out;
}

/** A recording could not be read whole: where and why. Records before `offset` were read. */
export class RecordingFault extends Error {
  constructor(
    readonly file: string,
    /** Byte offset in the decompressed content (or, for a gzip fault, in the file) where reading stopped. */
    readonly offset: number,
    readonly reason: string,
    readonly where: 'content' | 'gzip',
  ) {
    super(`${file}: ${where === 'gzip' ? 'compressed data' : 'record'} at ${where === 'gzip' ? 'file' : 'decompressed'} offset ${offset}: ${reason}`);
    this.name = 'RecordingFault';
  }
}

/**
 * Decompresses one file, keeping everything before a gzip fault (a truncated last member, a corrupt
 * byte): the fault is returned beside the data, never thrown.
 */
export function gunzipRecording(file: string): { data: Buffer; fault?: RecordingFault } {
  const input = fs.readFileSync(file);
  try {
    return { data: zlib.gunzipSync(input) };
  } catch (err) {
    // Keep what decompresses: the longest prefix of the file that inflates (a sync flush accepts a cut-off
    // stream), found by bisection, so the fault's file offset is exact to the byte.
    const inflates = (n: number): Buffer | undefined => {
      try {
        return zlib.gunzipSync(input.subarray(0, n), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
      } catch {
        return undefined;
      }
    };
    const reason = err instanceof Error ? err.message : String(err);
    const whole = inflates(input.length);
    if (whole !== undefined) return { data: whole, fault: new RecordingFault(file, input.length, `${reason} (the file ends inside a compressed batch: the recorder stopped mid-write)`, 'gzip') };
    let good = 0;
    let bad = input.length;
    while (bad - good > 1) {
      const mid = (good + bad) >>> 1;
      if (inflates(mid) !== undefined) good = mid;
      else bad = mid;
    }
    return { data: inflates(good) ?? Buffer.alloc(0), fault: new RecordingFault(file, good, reason, 'gzip') };
  }
}

/** The format version of a decompressed file, by its header; undefined when it is not a recording. */
export function recordingVersion(data: Buffer): RecordingVersion | undefined {
  const head = data.subarray(0, RECORDING_MAGIC.length);
  if (head.equals(RECORDING_MAGIC)) return 2;
  if (head.equals(RECORDING_MAGIC_V1)) return 1;
  return undefined;
}

/** The records of one decompressed file; a malformed record ends it with a fault naming its offset. */
export function* parseRecords(file: string, data: Buffer): Generator<RecordedEntry, RecordingFault | undefined> {
  const version = recordingVersion(data);
  if (version === undefined) {
    return new RecordingFault(file, 0, `not a recording (expected the ${JSON.stringify(RECORDING_MAGIC.toString('latin1'))} or ${JSON.stringify(RECORDING_MAGIC_V1.toString('latin1'))} header)`, 'content');
  }
  // A version-1 file holds no funding: a kind 10 there is as unknown as any other.
  const lastKind = version === 1 ? RecordKind.LOST : RecordKind.FUNDING;
  let at = RECORDING_MAGIC.length;
  while (at < data.length) {
    if (data.length - at < HEAD) return new RecordingFault(file, at, `truncated record header (${data.length - at} of ${HEAD} bytes)`, 'content');
    const body = data.readUInt32LE(at);
    const kind = data.readUInt8(at + 4);
    const keyLength = data.readUInt8(at + 13);
    if (kind < RecordKind.TEXT || kind > lastKind) return new RecordingFault(file, at, `unknown record kind ${kind}`, 'content');
    if (body < HEAD - 4 + keyLength) return new RecordingFault(file, at, `record length ${body} shorter than its header`, 'content');
    if (at + 4 + body > data.length) return new RecordingFault(file, at, `truncated record (${body + 4} bytes declared, ${data.length - at} left)`, 'content');
    const key = data.toString('utf8', at + 14, at + 14 + keyLength);
    yield { kind: kind as RecordKindCode, receivedAtNs: data.readBigUInt64LE(at + 5), key, payload: data.subarray(at + 14 + keyLength, at + 4 + body) };
    at += 4 + body;
  }
  return undefined;
}

/** The recording's files in recorded order. */
export function recordingFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(RECORDING_EXT))
    .sort()
    .map((f) => path.join(dir, f));
}

// ---- writing ----

/** Where the feed clients hand what their sockets see. Every call only copies bytes into a batch. */
export interface FrameRecorder {
  record(kind: RecordKindCode, key: string, payload: Uint8Array, receivedAtMs?: number): void;
}

export interface RecordingWriterOptions {
  readonly dir: string;
  /** Start a new file once the current one holds this many compressed bytes. Default 64 MiB. */
  readonly maxFileBytes?: number;
  /** Start a new file at every UTC hour. Default true. */
  readonly hourly?: boolean;
  /** Batches are compressed and written at least this often, ms. Default 250. */
  readonly flushMs?: number;
  /** A batch this big is written at once. Default 1 MiB. */
  readonly batchBytes?: number;
  /** Records waiting to be written beyond this many bytes are dropped (and counted in a LOST record). Default 64 MiB. */
  readonly maxPendingBytes?: number;
  /** Wall clock, ms. Default Date.now. */
  readonly now?: () => number;
  /** The first write error (a full disk); recording stops, the bot goes on. */
  readonly onError?: (message: string) => void;
}

export interface RecordingWriter extends FrameRecorder {
  readonly dir: string;
  /** Records and bytes (uncompressed) accepted, and dropped for a writer behind. */
  readonly stats: { records: number; bytes: number; lostRecords: number; files: number };
  /** Writes what is batched and waits for every write; no record is accepted after. */
  close(): Promise<void>;
}

const utf8 = new TextEncoder();

export function recordText(recorder: FrameRecorder, kind: RecordKindCode, key: string, text: string, receivedAtMs?: number): void {
  recorder.record(kind, key, utf8.encode(text), receivedAtMs);
}

/**
 * Receive times in ns: the ms part is the wall clock the feed client stamped the frame with (so a replay
 * gives the book the same `receivedAt`), the sub-ms digits come from the monotonic clock.
 */
function receiveNs(ms: number): bigint {
  return BigInt(Math.floor(ms)) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
}

export function createRecordingWriter(opts: RecordingWriterOptions): RecordingWriter {
  return new BatchingWriter(opts);
}

class BatchingWriter implements RecordingWriter {
  readonly dir: string;
  readonly stats = { records: 0, bytes: 0, lostRecords: 0, files: 0 };
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private pendingBytes = 0;
  private lostBytes = 0;
  private lostReported = 0;
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private file: { path: string; bytes: number; hour: number } | undefined;
  private closed = false;
  private failed = false;
  private readonly now: () => number;
  private readonly started: string;

  constructor(private readonly opts: RecordingWriterOptions) {
    this.dir = path.resolve(opts.dir);
    fs.mkdirSync(this.dir, { recursive: true });
    this.now = opts.now ?? Date.now;
    this.started = new Date(this.now()).toISOString().replace(/[:.]/g, '-');
  }

  record(kind: RecordKindCode, key: string, payload: Uint8Array, receivedAtMs?: number): void {
    if (this.closed || this.failed) return;
    const size = HEAD + key.length + payload.length;
    if (this.pendingBytes + size > (this.opts.maxPendingBytes ?? 64 * 1024 * 1024)) {
      this.stats.lostRecords++;
      this.lostBytes += size;
      return;
    }
    if (this.stats.lostRecords > this.lostReported) this.reportLost();
    this.push(encodeRecord(kind, receiveNs(receivedAtMs ?? this.now()), key, payload));
  }

  private reportLost(): void {
    const records = this.stats.lostRecords - this.lostReported;
    this.lostReported = this.stats.lostRecords;
    this.push(encodeRecord(RecordKind.LOST, receiveNs(this.now()), 'recorder', utf8.encode(JSON.stringify({ records, bytes: this.lostBytes }))));
    this.lostBytes = 0;
  }

  private push(bytes: Buffer): void {
    this.batch.push(bytes);
    this.batchBytes += bytes.length;
    this.pendingBytes += bytes.length;
    this.stats.records++;
    this.stats.bytes += bytes.length;
    if (this.batchBytes >= (this.opts.batchBytes ?? 1024 * 1024)) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, this.opts.flushMs ?? 250);
      this.timer.unref();
    }
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch.length === 0) return;
    const raw = Buffer.concat(this.batch);
    this.batch = [];
    this.batchBytes = 0;
    const at = this.now();
    this.chain = this.chain.then(async () => {
      if (this.failed) return;
      try {
        const target = this.target(at);
        const header = target.bytes === 0 ? [RECORDING_MAGIC] : [];
        const gz = await gzip(Buffer.concat([...header, raw]));
        await fs.promises.appendFile(target.path, gz);
        target.bytes += gz.length;
      } catch (err) {
        this.failed = true;
        this.opts.onError?.(`recording to ${this.dir} stopped: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        this.pendingBytes -= raw.length;
      }
    });
  }

  /** The file this batch goes to: a new one past the size limit or at a new UTC hour. */
  private target(at: number): { path: string; bytes: number; hour: number } {
    const hour = Math.floor(at / 3_600_000);
    const f = this.file;
    const full = f !== undefined && f.bytes >= (this.opts.maxFileBytes ?? 64 * 1024 * 1024);
    const newHour = f !== undefined && (this.opts.hourly ?? true) && hour !== f.hour;
    if (f === undefined || full || newHour) {
      this.stats.files++;
      const name = `frames-${this.started}-${String(this.stats.files).padStart(5, '0')}${RECORDING_EXT}`;
      this.file = { path: path.join(this.dir, name), bytes: 0, hour };
    }
    return this.file!;
  }

  async close(): Promise<void> {
    if (this.closed) return this.chain;
    if (this.stats.lostRecords > this.lostReported) this.reportLost();
    this.closed = true;
    this.flush();
    await this.chain;
  }
}

function gzip(data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => zlib.gzip(data, (err, out) => (err ? reject(err) : resolve(out))));
}

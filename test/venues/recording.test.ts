import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import {
  createRecordingWriter,
  encodeRecord,
  gunzipRecording,
  parseRecords,
  RECORDING_MAGIC,
  RECORDING_MAGIC_V1,
  recordingFiles,
  recordingVersion,
  RecordKind,
  type RecordedEntry,
} from '../../src/venues/recording';

function readAll(file: string): { entries: RecordedEntry[]; faults: string[] } {
  const { data, fault } = gunzipRecording(file);
  const entries: RecordedEntry[] = [];
  const it = parseRecords(file, data);
  for (let r = it.next(); ; r = it.next()) {
    if (r.done) return { entries, faults: [...(fault ? [fault.message] : []), ...(r.value ? [r.value.message] : [])] };
    entries.push(r.value);
  }
}

describe('recording', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arb-rec-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps every frame byte for byte, binary and text, with its ms receive time and lifecycle', async () => {
    const writer = createRecordingWriter({ dir, flushMs: 5 });
    const sbe = Uint8Array.from([0, 1, 2, 255, 254, 0, 7]);
    writer.record(RecordKind.CONNECT, 'paradex:BTC-USD-PERP', Buffer.from('ws://x'), 1_700_000_000_000);
    writer.record(RecordKind.OPEN, 'paradex:BTC-USD-PERP', new Uint8Array(), 1_700_000_000_001);
    writer.record(RecordKind.BINARY, 'paradex:BTC-USD-PERP', sbe, 1_700_000_000_002);
    writer.record(RecordKind.TEXT, 'vest:BTC-PERP', Buffer.from('{"channel":"BTC-PERP@depth"}'), 1_700_000_000_003);
    await writer.close();
    const files = recordingFiles(dir);
    expect(files).toHaveLength(1);
    const { entries, faults } = readAll(files[0]!);
    expect(faults).toEqual([]);
    expect(entries.map((e) => e.kind)).toEqual([RecordKind.CONNECT, RecordKind.OPEN, RecordKind.BINARY, RecordKind.TEXT]);
    expect(Buffer.from(entries[2]!.payload)).toEqual(Buffer.from(sbe));
    expect(Buffer.from(entries[3]!.payload).toString()).toBe('{"channel":"BTC-PERP@depth"}');
    expect(entries.map((e) => Number(e.receivedAtNs / 1_000_000n))).toEqual([1_700_000_000_000, 1_700_000_000_001, 1_700_000_000_002, 1_700_000_000_003]);
    expect(entries[3]!.key).toBe('vest:BTC-PERP');
  });

  it('starts a new file past the size limit and at a new UTC hour, each file readable alone', async () => {
    let now = Date.UTC(2026, 0, 1, 10, 59, 59);
    const writer = createRecordingWriter({ dir, maxFileBytes: 1, batchBytes: 1, now: () => now });
    writer.record(RecordKind.TEXT, 'vest:BTC-PERP', Buffer.from('a'), now);
    writer.record(RecordKind.TEXT, 'vest:BTC-PERP', Buffer.from('b'), now);
    now += 2_000;
    writer.record(RecordKind.TEXT, 'vest:BTC-PERP', Buffer.from('c'), now);
    await writer.close();
    const files = recordingFiles(dir);
    expect(files).toHaveLength(3);
    expect(files.map((f) => Buffer.from(readAll(f).entries[0]!.payload).toString())).toEqual(['a', 'b', 'c']);
  });

  it('names the file and offset of a truncated recording and keeps every record before it', async () => {
    const writer = createRecordingWriter({ dir, batchBytes: 1 });
    for (let i = 0; i < 20; i++) writer.record(RecordKind.TEXT, 'vest:BTC-PERP', Buffer.from(`frame ${i}`), 1_000 + i);
    await writer.close();
    const file = recordingFiles(dir)[0]!;
    const whole = fs.readFileSync(file);
    fs.writeFileSync(file, whole.subarray(0, whole.length - 9));
    const { entries, faults } = readAll(file);
    expect(entries.map((e) => Buffer.from(e.payload).toString())).toEqual(Array.from({ length: 19 }, (_, i) => `frame ${i}`).concat(entries.length === 20 ? ['frame 19'] : []));
    expect(faults).toHaveLength(1);
    expect(faults[0]).toContain(file);
    expect(faults[0]).toMatch(/offset \d+/);
  });

  it('names the offset of a corrupt record and keeps the records before it', () => {
    const file = path.join(dir, 'frames-x-00001.vrec.gz');
    const good = encodeRecord(RecordKind.TEXT, 5_000_000n, 'vest:BTC-PERP', Buffer.from('ok'));
    const bad = Buffer.from(encodeRecord(RecordKind.TEXT, 6_000_000n, 'vest:BTC-PERP', Buffer.from('no')));
    bad.writeUInt8(77, 4); // an unknown kind
    fs.writeFileSync(file, zlib.gzipSync(Buffer.concat([RECORDING_MAGIC, good, bad])));
    const { entries, faults } = readAll(file);
    expect(entries).toHaveLength(1);
    expect(faults).toEqual([`${file}: record at decompressed offset ${RECORDING_MAGIC.length + good.length}: unknown record kind 77`]);
  });

  it('reads version-1 files (books only) and holds a funding record there for what it is: an unknown kind', () => {
    const file = path.join(dir, 'frames-x-00001.vrec.gz');
    const book = encodeRecord(RecordKind.TEXT, 5_000_000n, 'vest:BTC-PERP', Buffer.from('ok'));
    const funding = encodeRecord(RecordKind.FUNDING, 6_000_000n, 'vest:BTC-PERP', Buffer.from('{"ok":false,"reason":"x"}'));
    fs.writeFileSync(file, zlib.gzipSync(Buffer.concat([RECORDING_MAGIC_V1, book, funding])));
    expect(recordingVersion(gunzipRecording(file).data)).toBe(1);
    const { entries, faults } = readAll(file);
    expect(entries.map((e) => e.kind)).toEqual([RecordKind.TEXT]);
    expect(faults).toEqual([`${file}: record at decompressed offset ${RECORDING_MAGIC_V1.length + book.length}: unknown record kind 10`]);
    // The same records under the version-2 header: both read.
    fs.writeFileSync(file, zlib.gzipSync(Buffer.concat([RECORDING_MAGIC, book, funding])));
    expect(recordingVersion(gunzipRecording(file).data)).toBe(2);
    expect(readAll(file)).toMatchObject({ entries: [{ kind: RecordKind.TEXT }, { kind: RecordKind.FUNDING, key: 'vest:BTC-PERP' }], faults: [] });
  });

  it('names the file offset of corrupt compressed data', () => {
    const file = path.join(dir, 'frames-x-00001.vrec.gz');
    const first = zlib.gzipSync(Buffer.concat([RECORDING_MAGIC, encodeRecord(RecordKind.TEXT, 1n, 'k', Buffer.from('kept'))]));
    const second = Buffer.from(zlib.gzipSync(encodeRecord(RecordKind.TEXT, 2n, 'k', Buffer.alloc(4096, 'x'))));
    second.fill(0xff, 12, 40);
    fs.writeFileSync(file, Buffer.concat([first, second]));
    const { entries, faults } = readAll(file);
    expect(Buffer.from(entries[0]!.payload).toString()).toBe('kept');
    expect(faults[0]).toMatch(new RegExp(`^${file.replace(/[.]/g, '\\.')}: compressed data at file offset (\\d+)`));
    const offset = Number(/file offset (\d+)/.exec(faults[0]!)![1]);
    expect(offset).toBeGreaterThanOrEqual(first.length);
    expect(offset).toBeLessThan(first.length + 40);
  });

  it('drops records beyond its pending limit and notes how many in a LOST record', async () => {
    const writer = createRecordingWriter({ dir, maxPendingBytes: 200, batchBytes: 10_000, flushMs: 10_000 });
    for (let i = 0; i < 10; i++) writer.record(RecordKind.TEXT, 'vest:BTC-PERP', Buffer.alloc(50, 'x'), 1_000);
    expect(writer.stats.lostRecords).toBeGreaterThan(0);
    await writer.close();
    const { entries } = readAll(recordingFiles(dir)[0]!);
    const lost = entries.find((e) => e.kind === RecordKind.LOST)!;
    expect(JSON.parse(Buffer.from(lost.payload).toString()).records).toBe(writer.stats.lostRecords);
  });
});

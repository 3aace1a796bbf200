/**
 * Outputs that never take the bot down: Linux's /dev/full stands in for a full disk (every write fails
 * with ENOSPC), a stream that emits EPIPE for a reader that went away.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { Outputs, describeOutputError } from '../../src/logging/output';
import { REDACTED } from '../../src/logging/redact';

/** Opens `full` (any path ending so) on /dev/full, everything else normally. */
const fullDiskFor =
  (...names: string[]) =>
  (p: string, flags: 'a' | 'w'): number =>
    fs.openSync(names.some((n) => p.endsWith(n)) ? '/dev/full' : p, flags);

const epipe = (): NodeJS.ErrnoException => Object.assign(new Error('write EPIPE'), { code: 'EPIPE', errno: -32, syscall: 'write' });

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outputs-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('a file output on a full disk', () => {
  it('never throws, reports ENOSPC once, and drops later writes', () => {
    const outputs = new Outputs(fullDiskFor('events.ndjson'));
    const told: string[] = [];
    outputs.reportTo('stderr', (line) => told.push(line));
    const events = outputs.file('events.ndjson', path.join(dir, 'events.ndjson'));
    expect(() => {
      for (let i = 0; i < 5; i++) events.write(`{"n":${i}}\n`);
      events.close();
    }).not.toThrow();
    expect(events.failed).toBe(true);
    expect(told).toEqual(['output error: events.ndjson: no space left on device (ENOSPC); later output to it is dropped']);
    expect(outputs.errors).toEqual(told);
  });

  it('leaves the other files working', () => {
    const outputs = new Outputs(fullDiskFor('events.ndjson'));
    const events = outputs.file('events.ndjson', path.join(dir, 'events.ndjson'));
    const report = outputs.file('report.html', path.join(dir, 'report.html'), 'w');
    events.write('x\n');
    report.write('<p>report</p>');
    report.close();
    expect(report.failed).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'report.html'), 'utf8')).toBe('<p>report</p>');
  });

  it('reports a descriptor closed under it (EBADF) the same way', () => {
    const outputs = new Outputs((p, flags) => {
      const fd = fs.openSync(p, flags);
      fs.closeSync(fd); // gone before the first write
      return fd;
    });
    const told: string[] = [];
    outputs.reportTo('stderr', (line) => told.push(line));
    const log = outputs.file('bot.log', path.join(dir, 'bot.log'));
    expect(() => {
      log.write('a\n');
      log.write('b\n');
    }).not.toThrow();
    expect(told).toEqual(['output error: bot.log: the file descriptor is not open (EBADF); later output to it is dropped']);
  });

  it('reports a file that cannot even be opened, and the run goes on without it', () => {
    const outputs = new Outputs();
    const missing = outputs.file('report.html', path.join(dir, 'no', 'such', 'dir', 'report.html'));
    expect(() => missing.write('x')).not.toThrow();
    expect(outputs.errors).toEqual(['output error: report.html: no such file or directory (ENOENT); later output to it is dropped']);
  });
});

describe('a stream output whose reader went away', () => {
  it('catches the EPIPE error event (which would otherwise kill the process) and reports it once', async () => {
    const stream = new PassThrough();
    const outputs = new Outputs();
    const told: string[] = [];
    outputs.reportTo('bot.log', (line) => told.push(line));
    const stdout = outputs.stream('stdout', stream);
    stdout.write('first line\n');
    stream.emit('error', epipe());
    stream.emit('error', epipe());
    stdout.write('dropped\n');
    await new Promise((r) => setImmediate(r));
    expect(stdout.failed).toBe(true);
    expect(told).toEqual(['output error: stdout: the reader went away (broken pipe) (EPIPE); later output to it is dropped']);
  });

  it('catches a write that throws, or fails through its callback', async () => {
    const throwing = new Writable({ write: () => undefined });
    throwing.write = () => {
      throw epipe();
    };
    const failingLater = new Writable({ write: (_chunk, _enc, cb) => cb(epipe()) });
    failingLater.on('error', () => undefined); // the guard listens too; this keeps the test's own stream quiet
    const outputs = new Outputs();
    const a = outputs.stream('status', throwing);
    const b = outputs.stream('stderr', failingLater);
    expect(() => a.write('x')).not.toThrow();
    b.write('y');
    await new Promise((r) => setImmediate(r));
    expect(outputs.errors).toHaveLength(2);
    expect([a.failed, b.failed]).toEqual([true, true]);
  });

  it('guards one stream with one listener however many runs guard it, and a released run is no longer told', () => {
    const stream = new PassThrough();
    const runs = Array.from({ length: 25 }, () => new Outputs());
    const outs = runs.map((o) => o.stream('stdout', stream));
    expect(stream.listenerCount('error')).toBe(1); // no MaxListenersExceededWarning after many runs in one process
    runs.slice(0, 24).forEach((o) => o.release());
    stream.emit('error', epipe()); // still caught: no uncaught exception
    expect(outs.slice(0, 24).some((o) => o.failed)).toBe(false);
    expect(outs[24]!.failed).toBe(true);
    expect(runs[24]!.errors).toHaveLength(1);
    expect(runs[0]!.errors).toHaveLength(0);
  });

  it('never reports an output failure to that output itself', () => {
    const outputs = new Outputs();
    const stream = new PassThrough();
    const lines: string[] = [];
    stream.on('data', (d: Buffer) => lines.push(d.toString()));
    const stderr = outputs.stream('stderr', stream);
    outputs.reportTo('stderr', (line) => stderr.write(`${line}\n`));
    stream.emit('error', epipe());
    expect(lines).toEqual([]);
    expect(outputs.errors).toHaveLength(1);
  });
});

describe('reporting', () => {
  it('tells a reporter added later the failures before it, once per output even across reporters of one file', () => {
    const outputs = new Outputs(fullDiskFor('events.ndjson'));
    outputs.file('events.ndjson', path.join(dir, 'events.ndjson')).write('x');
    const first: string[] = [];
    const stop = outputs.reportTo('bot.log', (line) => first.push(line));
    stop();
    const second: string[] = [];
    outputs.reportTo('bot.log', (line) => second.push(line));
    expect(first).toHaveLength(1);
    expect(second).toEqual([]);
  });

  it('stops telling a reporter that was removed', () => {
    const outputs = new Outputs(fullDiskFor('report.html'));
    const told: string[] = [];
    outputs.reportTo('stderr', (line) => told.push(line))();
    outputs.file('report.html', path.join(dir, 'report.html')).write('x');
    expect(told).toEqual([]);
  });

  it('describes other errors by their scrubbed message', () => {
    const key = BigInt(`0x${'f'.repeat(64)}`).toString();
    expect(describeOutputError('report.html', new Error(`odd failure ${key}`))).toBe(
      `output error: report.html: odd failure ${REDACTED}; later output to it is dropped`,
    );
  });
});

describe('redaction', () => {
  it('redacts everything written to files and streams', () => {
    const key = `0x${'4c'.repeat(32)}`;
    const outputs = new Outputs();
    const file = outputs.file('events.ndjson', path.join(dir, 'events.ndjson'));
    file.write(`{"reason":"bad key ${key}"}\n`);
    file.close();
    const stream = new PassThrough();
    outputs.stream('stdout', stream).write(`key ${BigInt(key).toString()}\n`);
    expect(fs.readFileSync(path.join(dir, 'events.ndjson'), 'utf8')).toBe(`{"reason":"bad key ${REDACTED}"}\n`);
    expect(String(stream.read())).toBe(`key ${REDACTED}\n`);
  });
});

describe('a file output rotated by size', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arb-rotate-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const line = (i: number) => `${JSON.stringify({ i, pad: 'x'.repeat(40) })}\n`; // 57-58 bytes each

  it('rotates before a write would pass the limit, keeps lines whole, and keeps only the newest parts', () => {
    const file = path.join(dir, 'events.ndjson');
    const out = new Outputs().file('events.ndjson', file, 'a', { rotate: { maxBytes: 200, keep: 2 } });
    for (let i = 0; i < 20; i++) out.write(line(i));
    out.close();
    const parts = [`${file}.2`, `${file}.1`, file];
    expect(fs.readdirSync(dir).sort()).toEqual(['events.ndjson', 'events.ndjson.1', 'events.ndjson.2']);
    for (const p of parts) expect(fs.statSync(p).size).toBeLessThanOrEqual(200);
    const lines = parts.flatMap((p) => fs.readFileSync(p, 'utf8').split('\n').filter((l) => l !== ''));
    // 3 lines per full part (174 bytes; a 4th would pass 200): 0-17 filled six parts, 18-19 are live; the two
    // newest rotated parts and the live file survive, in order, each line whole.
    expect(lines.map((l) => (JSON.parse(l) as { i: number }).i)).toEqual([12, 13, 14, 15, 16, 17, 18, 19]);
  });

  it('counts what the file already held when it is opened again', () => {
    const file = path.join(dir, 'bot.log');
    fs.writeFileSync(file, 'x'.repeat(190) + '\n');
    const out = new Outputs().file('bot.log', file, 'a', { rotate: { maxBytes: 200, keep: 1 } });
    out.write(line(1));
    out.close();
    expect(fs.readFileSync(`${file}.1`, 'utf8')).toHaveLength(191);
    expect(fs.readFileSync(file, 'utf8')).toBe(line(1));
  });

  it('keeps a single line longer than the limit whole', () => {
    const file = path.join(dir, 'events.ndjson');
    const out = new Outputs().file('events.ndjson', file, 'a', { rotate: { maxBytes: 10, keep: 3 } });
    out.write(line(1));
    out.write(line(2));
    out.close();
    expect(fs.readFileSync(`${file}.1`, 'utf8')).toBe(line(1));
    expect(fs.readFileSync(file, 'utf8')).toBe(line(2));
  });
});

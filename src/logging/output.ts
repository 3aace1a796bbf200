/**
 * The run's outputs (events.ndjson, bot.log, report.html, the summary JSON, stdout, stderr) behind one
 * guard, so that none of them can take the bot down. A full disk (ENOSPC), a reader that went away
 * (EPIPE: `| head -1`, or a `| tee` killed by the same Ctrl-C), a closed descriptor (EBADF): the first
 * failure of an output is reported once, through the outputs that still work, and later writes to that
 * output are dropped. Losing a log line must never cost a position, its journal or the report.
 *
 * Everything written passes through `redactText` first: no output carries a secret, not only bot.log.
 */
import * as fs from 'node:fs';
import { redactText, scrubErrorText } from './redact';

/** Any stream-like sink: process.stdout, a PassThrough, a socket. */
export interface WritableLike {
  write(chunk: string, callback?: (error?: Error | null) => void): unknown;
  on?(event: 'error', listener: (error: Error) => void): unknown;
  on?(event: 'resize', listener: () => void): unknown;
  off?(event: 'resize', listener: () => void): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly rows?: number;
}

/** A text output that never throws. A terminal's size and resizes show through (the status display lays out to them). */
export interface TextOutput {
  write(text: string): void;
  /** Set once the output failed; its later writes are dropped. */
  readonly failed: boolean;
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly rows?: number;
  on?(event: 'resize', listener: () => void): unknown;
  off?(event: 'resize', listener: () => void): unknown;
}

export interface FileOutput extends TextOutput {
  /** Closes the file; a failure to close (a deferred write error) is reported like any other. */
  close(): void;
}

/** Size-based rotation of an append-only file: past `maxBytes`, `file` becomes `file.1` (`.1` → `.2` …), `keep` kept. */
export interface RotateBySize {
  readonly maxBytes: number;
  /** Rotated files kept besides the live one; the oldest beyond them is deleted (0: the file restarts empty). */
  readonly keep: number;
}

/** Renames `file` to `file.1` after moving each `file.i` to `file.i+1`; what would become `file.keep+1` is removed. */
export function shiftRotated(file: string, keep: number): void {
  if (keep <= 0) {
    fs.rmSync(file, { force: true });
    return;
  }
  fs.rmSync(`${file}.${keep}`, { force: true });
  for (let i = keep - 1; i >= 1; i--) if (fs.existsSync(`${file}.${i}`)) fs.renameSync(`${file}.${i}`, `${file}.${i + 1}`);
  fs.renameSync(file, `${file}.1`);
}

/** How a file is opened (tests point one at /dev/full). Default fs.openSync(path, flags). */
export type OpenFile = (path: string, flags: 'a' | 'w') => number;

const REASONS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EPIPE: 'the reader went away (broken pipe)',
  ECONNRESET: 'the reader went away (connection reset)',
  EBADF: 'the file descriptor is not open',
  EIO: 'input/output error',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOENT: 'no such file or directory',
  ERR_STREAM_DESTROYED: 'the stream was already closed',
  ERR_STREAM_WRITE_AFTER_END: 'the stream was already closed',
};

/** One line: `output error: events.ndjson: no space left on device (ENOSPC); later output to it is dropped`. */
export function describeOutputError(output: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const why =
    code !== undefined && REASONS[code] !== undefined
      ? `${REASONS[code]} (${code})`
      : scrubErrorText(error instanceof Error ? error.message : String(error));
  return `output error: ${output}: ${why}; later output to it is dropped`;
}

/**
 * The set of a run's outputs. Each output has a name ('stdout', 'events.ndjson', …); `reportTo`
 * names where failures are told (stderr, bot.log), and an output's own failure is never told to itself.
 */
/**
 * One 'error' listener per stream for the life of the process, whatever number of runs (Outputs) guard it:
 * a listener per run would pile up on process.stdout in a process that runs the bot many times (tests, an
 * embedding app) and trip Node's MaxListenersExceededWarning. The listener tells every current guard.
 */
const errorGuards = new WeakMap<object, Set<(error: unknown) => void>>();

function guardErrors(stream: WritableLike, fail: (error: unknown) => void): () => void {
  let guards = errorGuards.get(stream);
  if (guards === undefined) {
    const set = new Set<(error: unknown) => void>();
    errorGuards.set(stream, set);
    stream.on?.('error', (error) => [...set].forEach((f) => f(error)));
    guards = set;
  }
  guards.add(fail);
  const set = guards;
  return () => set.delete(fail);
}

export class Outputs {
  private readonly failures: string[] = [];
  private readonly failedNames = new Set<string>();
  private readonly reporters: { name: string; report: (line: string) => void }[] = [];
  /** Per reporting output, the failures already told to it. */
  private readonly told = new Map<string, Set<number>>();

  /** Removes this Outputs' error callbacks from the streams it guards (see release). */
  private readonly detachers: (() => void)[] = [];

  constructor(private readonly openFile: OpenFile = (p, flags) => fs.openSync(p, flags)) {}

  /**
   * Stops telling this Outputs about its streams' errors (a run that is over). The streams stay guarded:
   * a late error is still caught, never an uncaught exception.
   */
  release(): void {
    this.detachers.splice(0).forEach((detach) => detach());
  }

  /** One line per failed output, in the order they failed. */
  get errors(): readonly string[] {
    return this.failures;
  }

  /** True when `name` failed. */
  hasFailed(name: string): boolean {
    return this.failedNames.has(name);
  }

  /** The names of the outputs that failed. */
  failedOutputs(): ReadonlySet<string> {
    return this.failedNames;
  }

  /**
   * Tells every output failure to `report` from now on, and the earlier ones at once (a failure of
   * stdout at start-up still reaches bot.log, opened later). `name` is the output `report` writes to.
   * Returns the way to stop (before that output closes).
   */
  reportTo(name: string, report: (line: string) => void): () => void {
    const reporter = { name, report };
    this.reporters.push(reporter);
    this.failures.forEach((_, index) => this.tell(reporter, index, undefined));
    return () => {
      const at = this.reporters.indexOf(reporter);
      if (at >= 0) this.reporters.splice(at, 1);
    };
  }

  /** A guarded stream: a thrown write error or an 'error' event marks it failed, never escapes. */
  stream(name: string, stream: WritableLike): TextOutput {
    let failed = false;
    const fail = (error: unknown): void => {
      if (failed) return;
      failed = true;
      this.fail(name, error);
    };
    // Without a listener an EPIPE 'error' event is an uncaught exception: the process would die.
    this.detachers.push(guardErrors(stream, fail));
    return {
      get failed() {
        return failed;
      },
      ...(stream.isTTY !== undefined ? { isTTY: stream.isTTY } : {}),
      // Read at each draw: a terminal's width changes when it is resized.
      get columns() {
        return stream.columns;
      },
      get rows() {
        return stream.rows;
      },
      on: (event: 'resize', listener: () => void) => stream.on?.(event, listener),
      off: (event: 'resize', listener: () => void) => stream.off?.(event, listener),
      write(text: string): void {
        if (failed) return;
        try {
          stream.write(redactText(text), (error) => {
            if (error) fail(error);
          });
        } catch (error) {
          fail(error);
        }
      },
    };
  }

  /**
   * A guarded file, written synchronously (each line is on disk when write returns). A file that
   * cannot be opened is failed from the start: the run goes on without it.
   * `redact: false` is for a producer that redacts its own text and carries code the text filter would
   * break (report.html inlines JavaScript: `key: a || b` reads like a secret to the filter).
   */
  file(name: string, filePath: string, flags: 'a' | 'w' = 'a', options: { readonly redact?: boolean; readonly rotate?: RotateBySize } = {}): FileOutput {
    const filter = options.redact === false ? (text: string) => text : redactText;
    const { rotate } = options;
    const openFile = this.openFile;
    let failed = false;
    let fd: number | undefined;
    let size = 0;
    const fail = (error: unknown): void => {
      if (failed) return;
      failed = true;
      this.fail(name, error);
    };
    try {
      fd = this.openFile(filePath, flags);
      if (rotate) size = fs.fstatSync(fd).size;
    } catch (error) {
      fail(error);
    }
    return {
      get failed() {
        return failed;
      },
      write(text: string): void {
        if (failed || fd === undefined) return;
        try {
          const bytes = Buffer.from(filter(text), 'utf8');
          // A write never splits: the file that would pass its limit is rotated first (a line stays whole).
          if (rotate && size > 0 && size + bytes.length > rotate.maxBytes) {
            fs.closeSync(fd);
            fd = undefined;
            shiftRotated(filePath, rotate.keep);
            fd = openFile(filePath, 'a');
            size = 0;
          }
          const out = fd;
          for (let offset = 0; offset < bytes.length; ) offset += fs.writeSync(out, bytes, offset);
          size += bytes.length;
        } catch (error) {
          fail(error);
        }
      },
      close(): void {
        if (fd === undefined) return;
        const closing = fd;
        fd = undefined;
        try {
          fs.closeSync(closing);
        } catch (error) {
          fail(error);
        }
      },
    };
  }

  private fail(name: string, error: unknown): void {
    this.failedNames.add(name);
    this.failures.push(describeOutputError(name, error));
    const index = this.failures.length - 1;
    for (const reporter of this.reporters) this.tell(reporter, index, name);
  }

  /** Tells failure `index` to `reporter`, once per output name (a reporter added later for the same file does not repeat it). */
  private tell(reporter: { name: string; report: (line: string) => void }, index: number, failedName: string | undefined): void {
    if (reporter.name === failedName || this.failedNames.has(reporter.name)) return;
    let told = this.told.get(reporter.name);
    if (told === undefined) this.told.set(reporter.name, (told = new Set()));
    if (told.has(index)) return;
    told.add(index);
    try {
      reporter.report(this.failures[index]!);
    } catch {
      // A reporter is itself an output: its own guard reports its failure.
    }
  }
}

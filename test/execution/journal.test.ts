import fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deriveState, describeProblem, openJournal, type Journal, type JournalEntry, type CorruptLine } from '../../src/execution/journal';
import type { OpenPosition } from '../../src/execution/types';

const PAIR = 'BTC-PERP';
const dirs: string[] = [];
const open: Journal[] = [];

function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'journal-'));
  dirs.push(dir);
  return path.join(dir, 'nested', 'trades.ndjson');
}

function journalAt(file: string, onCorruptLine?: (c: CorruptLine) => void): Journal {
  const j = openJournal(file, onCorruptLine ? { onCorruptLine } : {});
  open.push(j);
  return j;
}

afterEach(() => {
  jest.restoreAllMocks();
  for (const j of open.splice(0)) j.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const position: OpenPosition = {
  pair: PAIR,
  direction: 'AOverB',
  size: 0.01,
  longVenue: 'vest',
  shortVenue: 'paradex',
  longSymbol: 'BTC-PERP',
  shortSymbol: 'BTC-USD-PERP',
  longEntryPrice: 100_010,
  shortEntryPrice: 100_300,
  entrySpread: 0.29,
  detectedSpread: 0.3,
  entryFeesUsd: 0.55,
  clientIds: { long: 'c1', short: 'c2' },
  openedAt: 1000,
};

const opening: JournalEntry = {
  kind: 'opening',
  pair: PAIR,
  time: 900,
  direction: 'AOverB',
  size: 0.01,
  detectedSpread: 0.3,
  long: { venue: 'vest', symbol: 'BTC-PERP', side: 'BUY', clientId: 'c1', size: 0.01, priceCap: 100_510 },
  short: { venue: 'paradex', symbol: 'BTC-USD-PERP', side: 'SELL', clientId: 'c2', size: 0.01, priceCap: 99_800 },
};

function closeFill(leg: 'long' | 'short', filledSize: number, time: number): JournalEntry {
  return {
    kind: 'leg_filled',
    pair: PAIR,
    time,
    phase: 'close',
    leg,
    fill: {
      venue: leg === 'long' ? 'vest' : 'paradex',
      symbol: leg === 'long' ? 'BTC-PERP' : 'BTC-USD-PERP',
      side: leg === 'long' ? 'SELL' : 'BUY',
      clientId: `x${time}`,
      requestedSize: 0.01,
      filledSize,
      avgPrice: filledSize > 0 ? 100_100 : undefined,
      feeUsd: 0.1,
    },
  };
}

describe('journal', () => {
  it('round-trips entries through the file, in order', () => {
    const file = tempFile();
    const j = journalAt(file);
    const open: JournalEntry = { kind: 'open', pair: PAIR, time: 1000, position };
    j.append(opening);
    j.append(open);
    expect(j.entries()).toEqual([opening, open]);
    j.close();
    const again = journalAt(file);
    expect(again.entries()).toEqual([opening, open]);
    expect(again.corruptLines).toEqual([]);
    expect(fs.readFileSync(file, 'utf8').split('\n')).toHaveLength(3); // two lines + trailing newline
  });

  it('fsyncs every append, so a second reader sees it before the writer closes', () => {
    const file = tempFile();
    const j = journalAt(file);
    const fsync = jest.spyOn(fs, 'fsyncSync');
    j.append(opening);
    j.append({ kind: 'halted', pair: PAIR, time: 950, reason: 'test' });
    expect(fsync).toHaveBeenCalledTimes(2);
    const reader = journalAt(file);
    expect(reader.entries().map((e) => e.kind)).toEqual(['opening', 'halted']);
  });

  it('a write a full disk cuts short leaves no torn line: the part written is truncated away, the append throws, and the next one lands whole', () => {
    const file = tempFile();
    const j = journalAt(file);
    j.append(opening);
    const sizeBefore = fs.statSync(file).size;
    const realWrite = fs.writeSync.bind(fs) as (fd: number, buffer: Uint8Array, offset: number, length: number) => number;
    // As a full disk does: the first write takes 40 bytes and returns short, the next one fails with ENOSPC.
    let calls = 0;
    const shortThenFull = (fd: number, buffer: Uint8Array, offset?: number, length?: number): number => {
      calls++;
      const from = offset ?? 0;
      if (calls === 1) return realWrite(fd, buffer, from, Math.min(40, length ?? buffer.byteLength - from));
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    const write = jest.spyOn(fs, 'writeSync').mockImplementation(shortThenFull as unknown as typeof fs.writeSync);
    expect(() => j.append(closeFill('long', 0.01, 1_000))).toThrow(/ENOSPC/);
    write.mockRestore();
    expect(calls).toBe(2);
    expect(fs.statSync(file).size).toBe(sizeBefore);
    // The failed entry is not taken as written.
    expect(j.lastState(PAIR)).toMatchObject({ phase: 'opening' });
    // Room again: the next append is a whole line of its own, and both readers agree.
    const halted = { kind: 'halted' as const, pair: PAIR, time: 950, reason: 'test' };
    j.append(halted);
    const again = journalAt(file);
    expect(again.entries()).toEqual([opening, halted]);
    expect(again.corruptLines).toEqual([]);
  });

  it('opened not durable (a replay), writes the very same lines and never fsyncs', () => {
    const durableFile = tempFile();
    const durable = journalAt(durableFile);
    const file = tempFile();
    const fsync = jest.spyOn(fs, 'fsyncSync');
    const j = openJournal(file, { durable: false });
    open.push(j);
    expect([durable.durable, j.durable]).toEqual([true, false]);
    for (const x of [durable, j]) {
      x.append(opening);
      x.append({ kind: 'halted', pair: PAIR, time: 950, reason: 'test' });
    }
    // Only the durable journal's two appends were synced.
    expect(fsync).toHaveBeenCalledTimes(2);
    expect(fs.readFileSync(file, 'utf8')).toBe(fs.readFileSync(durableFile, 'utf8'));
    expect(j.lastState(PAIR)).toEqual(durable.lastState(PAIR));
  });

  it('detects, reports and skips a torn last line, and keeps appending after it', () => {
    const file = tempFile();
    const j = journalAt(file);
    j.append(opening);
    j.close();
    fs.appendFileSync(file, '{"kind":"open","pair":"BTC-PERP","time":10'); // crash mid-write
    const reported: CorruptLine[] = [];
    const reopened = journalAt(file, (c) => reported.push(c));
    expect(reopened.entries()).toEqual([opening]);
    expect(reported).toEqual([{ line: 2, reason: 'torn last line (unterminated JSON)', excerpt: '{"kind":"open","pair":"BTC-PERP","time":10' }]);
    expect(reopened.corruptLines).toEqual(reported);

    reopened.append({ kind: 'entry_failed', pair: PAIR, time: 2000, reason: 'restart' });
    reopened.close();
    const third = journalAt(file);
    expect(third.entries().map((e) => e.kind)).toEqual(['opening', 'entry_failed']);
    expect(third.corruptLines).toHaveLength(1);
    expect(third.lastState(PAIR).phase).toBe('flat');
  });

  it('skips lines that are JSON but not journal entries', () => {
    const file = tempFile();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(opening)}\n{"hello":1}\n[1,2]\n`);
    const j = journalAt(file);
    expect(j.entries()).toEqual([opening]);
    expect(j.corruptLines.map((c) => c.line)).toEqual([2, 3]);
  });

  it('keeps pairs apart in one file', () => {
    const j = journalAt(tempFile());
    j.append(opening);
    j.append({ ...opening, pair: 'ETH-PERP' });
    j.append({ kind: 'open', pair: PAIR, time: 1000, position });
    expect(j.entries('ETH-PERP')).toHaveLength(1);
    expect(j.lastState(PAIR).phase).toBe('open');
    expect(j.lastState('ETH-PERP').phase).toBe('opening');
    expect(j.lastState('SOL-PERP').phase).toBe('flat');
  });
});

describe('journal rotation at open', () => {
  /** A finished round trip, as the executor journals it. */
  function roundTrip(j: Journal, pair: string, t: number): void {
    j.append({ ...opening, pair, time: t });
    j.append({ kind: 'open', pair, time: t + 1, position: { ...position, pair } });
    j.append({ kind: 'closing', pair, time: t + 2, clientIds: { long: 'x', short: 'y' } });
    j.append({ kind: 'closed', pair, time: t + 3, grossPnlUsd: 1, feesUsd: 0.5 });
  }

  function openRotating(file: string, rotateAboveBytes: number): Journal {
    const j = openJournal(file, { rotateAboveBytes, now: () => Date.UTC(2026, 10, 25, 12, 0, 0) });
    open.push(j);
    return j;
  }

  it('moves a large, all-flat history to an archive and keeps only the halts on record', () => {
    const file = tempFile();
    const j = journalAt(file);
    for (let i = 0; i < 20; i++) roundTrip(j, PAIR, i * 10);
    roundTrip(j, 'ETH-PERP', 500);
    j.append({ kind: 'halted', pair: PAIR, time: 900, reason: 'leg imbalance', until: 60_900 });
    j.close();
    const history = fs.readFileSync(file, 'utf8');
    const before = { btc: journalAt(file).lastState(PAIR), eth: journalAt(file).lastState('ETH-PERP') };

    const rotated = openRotating(file, 1_000);
    expect(rotated.rotatedTo).toBe(file.replace(/\.ndjson$/, '.2026-11-25T12-00-00-000Z.ndjson'));
    expect(fs.readFileSync(rotated.rotatedTo!, 'utf8')).toBe(history);
    expect(rotated.entries()).toEqual([{ kind: 'halted', pair: PAIR, time: 900, reason: 'leg imbalance', until: 60_900 }]);
    expect(rotated.lastState(PAIR)).toMatchObject({ phase: 'flat', halt: before.btc.halt });
    expect(rotated.lastState('ETH-PERP')).toMatchObject({ phase: before.eth.phase });
    expect(fs.existsSync(`${file}.rotating`)).toBe(false);
    // It goes on as a journal: appends land, and a reopen sees them.
    rotated.append(opening);
    rotated.close();
    expect(journalAt(file).lastState(PAIR)).toMatchObject({ phase: 'opening', halt: before.btc.halt });
  });

  it('carries each pair’s loss budget over: a rotation never hands the next start a fresh one', () => {
    const file = tempFile();
    const j = journalAt(file);
    for (let i = 0; i < 20; i++) roundTrip(j, PAIR, i * 10);
    j.append({ kind: 'realised', pair: PAIR, time: 300, event: 'POSITION_CLOSED', deltaUsd: -4, netUsd: -7.25, since: 50 });
    j.append({ ...opening, time: 400 });
    j.append({ kind: 'open', pair: PAIR, time: 401, position });
    j.append({ kind: 'closed_outside', pair: PAIR, time: 402, direction: 'AOverB', size: 0.01, reason: 'closed by hand' });
    j.close();
    const rotated = openRotating(file, 1_000);
    expect(rotated.rotatedTo).toBeDefined();
    expect(rotated.entries()).toEqual([{ kind: 'realised', pair: PAIR, time: 50, event: 'carried over', deltaUsd: 0, netUsd: -7.25, since: 50, unknownCloses: 1 }]);
    expect(rotated.lastState(PAIR).lossBudget).toEqual({ netUsd: -7.25, since: 50, unknownCloses: 1 });
  });

  it('starts on the whole journal when rotation fails (here: the archive name is taken)', () => {
    const file = tempFile();
    const j = journalAt(file);
    for (let i = 0; i < 20; i++) roundTrip(j, PAIR, i * 10);
    j.close();
    const text = fs.readFileSync(file, 'utf8');
    const archive = file.replace(/\.ndjson$/, '.2026-11-25T12-00-00-000Z.ndjson');
    fs.writeFileSync(archive, 'someone else\'s file\n');
    const opened = openRotating(file, 1_000);
    expect(opened.rotatedTo).toBeUndefined();
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
    expect(fs.readFileSync(archive, 'utf8')).toBe("someone else's file\n");
    expect(fs.existsSync(`${file}.rotating`)).toBe(false);
    expect(opened.lastState(PAIR).phase).toBe('flat');
    opened.append(opening);
    expect(opened.lastState(PAIR).phase).toBe('opening');
  });

  it('never rotates a journal with anything in flight, a corrupt line, or below the size', () => {
    const inFlight = tempFile();
    const j = journalAt(inFlight);
    for (let i = 0; i < 20; i++) roundTrip(j, PAIR, i * 10);
    j.append({ ...opening, pair: 'ETH-PERP', time: 999 }); // an entry never concluded
    j.close();
    const text = fs.readFileSync(inFlight, 'utf8');
    expect(openRotating(inFlight, 1_000).rotatedTo).toBeUndefined();
    expect(fs.readFileSync(inFlight, 'utf8')).toBe(text);

    const corrupt = tempFile();
    const c = journalAt(corrupt);
    for (let i = 0; i < 20; i++) roundTrip(c, PAIR, i * 10);
    c.close();
    fs.appendFileSync(corrupt, '{"kind":"closed","pair"\n');
    expect(openRotating(corrupt, 1_000).rotatedTo).toBeUndefined();

    const small = tempFile();
    const s = journalAt(small);
    roundTrip(s, PAIR, 0);
    s.close();
    expect(openRotating(small, 100_000).rotatedTo).toBeUndefined();
    expect(openRotating(small, 0).rotatedTo).toBeUndefined();
    expect(fs.readdirSync(path.dirname(small))).toEqual(['trades.ndjson']);
  });
});

describe('journal state', () => {
  it('follows a trade from opening through a partial close to closed', () => {
    const entries: JournalEntry[] = [opening];
    expect(deriveState(entries, PAIR)).toMatchObject({ phase: 'opening', opening });
    entries.push({ kind: 'open', pair: PAIR, time: 1000, position });
    expect(deriveState(entries, PAIR)).toMatchObject({ phase: 'open', position, closedSize: { long: 0, short: 0 } });
    entries.push({ kind: 'closing', pair: PAIR, time: 2000, clientIds: { long: 'p1', short: 'p2' } });
    entries.push(closeFill('long', 0.01, 2001), closeFill('short', 0, 2002));
    entries.push({ kind: 'close_failed', pair: PAIR, time: 2003, reason: 'paradex not flat' });
    const half = deriveState(entries, PAIR);
    expect(half).toMatchObject({ phase: 'closing', position, closedSize: { long: 0.01, short: 0 } });
    expect(half.closeFills).toHaveLength(2);
    entries.push(closeFill('short', 0.01, 2100), { kind: 'closed', pair: PAIR, time: 2101, grossPnlUsd: 1, feesUsd: 1 });
    const done = deriveState(entries, PAIR);
    expect(done.phase).toBe('flat');
    expect(done.position).toBeUndefined();
    expect(done.closeFills).toEqual([]);
  });

  it('remembers a halt until a resume, and clears recorded exposure only when an operator resumes', () => {
    const exposed: JournalEntry[] = [
      opening,
      { kind: 'exposed', pair: PAIR, time: 1000, reason: 'unwind failed', exposure: [{ venue: 'vest', symbol: 'BTC-PERP', size: 0.01 }] },
      { kind: 'halted', pair: PAIR, time: 1001, reason: 'unwind failed' },
    ];
    expect(deriveState(exposed, PAIR)).toMatchObject({ phase: 'exposed', halt: { reason: 'unwind failed', time: 1001 } });
    const autoResume = deriveState([...exposed, { kind: 'resumed', pair: PAIR, time: 2000, operator: false }], PAIR);
    expect(autoResume.halt).toBeUndefined();
    expect(autoResume.phase).toBe('exposed');
    const operator = deriveState([...exposed, { kind: 'resumed', pair: PAIR, time: 2000, operator: true }], PAIR);
    expect(operator.phase).toBe('flat');
    expect(operator.exposure).toBeUndefined();
  });

  it('keeps the close orders sent since closing whose fills are not journalled (pendingCloseOrders)', () => {
    const fillOf = (leg: 'long' | 'short', clientId: string, time: number): JournalEntry => {
      const e = closeFill(leg, 0.005, time) as Extract<JournalEntry, { kind: 'leg_filled' }>;
      return { ...e, fill: { ...e.fill, clientId } };
    };
    const entries: JournalEntry[] = [
      opening,
      { kind: 'open', pair: PAIR, time: 1000, position },
      { kind: 'closing', pair: PAIR, time: 2000, clientIds: { long: 'armed-long', short: '' }, lookupRefs: { long: '1700000000001' } },
      { kind: 'close_order', pair: PAIR, time: 2001, leg: 'short', clientId: 'spot-short' },
    ];
    expect(deriveState(entries, PAIR).pendingCloseOrders).toEqual({
      long: [{ clientId: 'armed-long', lookupRef: '1700000000001' }],
      short: [{ clientId: 'spot-short' }],
    });
    entries.push(fillOf('long', 'armed-long', 2002), fillOf('short', 'spot-short', 2003));
    entries.push({ kind: 'close_order', pair: PAIR, time: 2004, leg: 'short', clientId: 'retry-short', lookupRef: 'r1' });
    expect(deriveState(entries, PAIR).pendingCloseOrders).toEqual({ long: [], short: [{ clientId: 'retry-short', lookupRef: 'r1' }] });
    // A new close attempt starts a new list; a finished close has none.
    entries.push(fillOf('short', 'retry-short', 2005), { kind: 'close_failed', pair: PAIR, time: 2006, reason: 'not flat' });
    entries.push({ kind: 'closing', pair: PAIR, time: 3000, clientIds: { long: '', short: 'again' } });
    expect(deriveState(entries, PAIR).pendingCloseOrders).toEqual({ long: [], short: [{ clientId: 'again' }] });
    entries.push({ kind: 'closed', pair: PAIR, time: 3001, grossPnlUsd: 0, feesUsd: 0 });
    expect(deriveState(entries, PAIR).pendingCloseOrders).toBeUndefined();
  });

  it('records the cooldown end of a halt', () => {
    const s = deriveState([{ kind: 'halted', pair: PAIR, time: 5, reason: 'leg imbalance', until: 60_005 }], PAIR);
    expect(s.halt).toEqual({ reason: 'leg imbalance', until: 60_005, time: 5 });
  });
});

describe('journal lines that are not what their kind requires', () => {
  function withLines(lines: string[]): { file: string; journal: Journal } {
    const file = tempFile();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
    return { file, journal: journalAt(file) };
  }

  it('repairs an open entry without its entry spread from the entry prices, and reports it naming the file, line and field', () => {
    const { entrySpread: _missing, ...withoutSpread } = position;
    const { file, journal } = withLines([JSON.stringify(opening), JSON.stringify({ kind: 'open', pair: PAIR, time: 1000, position: withoutSpread })]);
    const state = journal.lastState(PAIR);
    expect(state.phase).toBe('open');
    expect(state.position?.entrySpread).toBeCloseTo(((100_300 - 100_010) / 100_010) * 100, 10);
    expect(journal.problems).toEqual([
      expect.objectContaining({ file, line: 2, pair: PAIR, kind: 'open', field: 'position.entrySpread', reason: 'is missing', repaired: expect.stringContaining('recomputed from the entry prices 100010 and 100300') }),
    ]);
    expect(describeProblem(journal.problems[0]!)).toBe(
      `${file}:2: 'open' entry: position.entrySpread is missing (recomputed from the entry prices 100010 and 100300: 0.2900 %)`,
    );
    expect(state.problems).toHaveLength(1);
    expect(journal.corruptLines).toEqual([]);
  });

  it('does not use a line with a field of the wrong type, and says which field; other pairs are unaffected', () => {
    const badOpen = { kind: 'open', pair: PAIR, time: 1000, position: { ...position, size: 'lots' } };
    const { journal } = withLines([JSON.stringify(opening), JSON.stringify(badOpen), JSON.stringify({ ...opening, pair: 'ETH-PERP' })]);
    expect(journal.problems).toEqual([expect.objectContaining({ line: 2, pair: PAIR, kind: 'open', field: 'position.size', reason: '= "lots": must be a number' })]);
    // The bad line is not used: what the journal knew before it (an unfinished entry) stands.
    expect(journal.lastState(PAIR)).toMatchObject({ phase: 'opening', problems: [expect.objectContaining({ line: 2 })] });
    expect(journal.lastState('ETH-PERP')).toMatchObject({ phase: 'opening', problems: [] });
    expect(journal.corruptLines.map((c) => c.line)).toEqual([2]);
  });

  it('an operator resume after the line acknowledges it', () => {
    const { entrySpread: _missing, ...withoutSpread } = position;
    const { journal } = withLines([JSON.stringify({ kind: 'open', pair: PAIR, time: 1000, position: withoutSpread })]);
    expect(journal.lastState(PAIR).problems).toHaveLength(1);
    journal.append({ kind: 'resumed', pair: PAIR, time: 2000, operator: false });
    expect(journal.lastState(PAIR).problems).toHaveLength(1);
    journal.append({ kind: 'resumed', pair: PAIR, time: 2001, operator: true });
    expect(journal.lastState(PAIR).problems).toEqual([]);
    expect(journal.lastState(PAIR).phase).toBe('open');
  });

  it('an unknown kind, a line that is not JSON, or one without a pair is a problem; a write torn by a crash is not', () => {
    const { journal } = withLines([
      JSON.stringify(opening),
      '{"kind":"teleported","pair":"BTC-PERP","time":5}',
      'not json at all',
      '{"kind":"closed","time":9,"grossPnlUsd":0,"feesUsd":0}',
      '{"kind":"open","pair":"BTC-PERP","ti', // torn by a crash, then the next start appended after it
      JSON.stringify({ kind: 'entry_failed', pair: PAIR, time: 10, reason: 'restart' }),
    ]);
    expect(journal.problems.map((p) => [p.line, p.field, p.reason])).toEqual([
      [2, 'kind', '"teleported" is not a known entry kind'],
      [3, '(line)', 'is not valid JSON'],
      [4, 'pair', 'is missing'],
    ]);
    // A line naming no pair concerns every pair of the file.
    expect(journal.lastState(PAIR).problems.map((p) => p.line)).toEqual([2, 3, 4]);
    expect(journal.lastState('ETH-PERP').problems.map((p) => p.line)).toEqual([3, 4]);
    expect(journal.corruptLines.map((c) => c.line)).toEqual([2, 3, 4, 5]);
    expect(journal.lastState(PAIR).phase).toBe('flat');
  });

  it('reads a halt whose end was written as null (a non-finite number) as lasting until an operator clears it', () => {
    const { journal } = withLines(['{"kind":"halted","pair":"BTC-PERP","time":5,"reason":"leg imbalance","until":null}']);
    expect(journal.lastState(PAIR).halt).toEqual({ reason: 'leg imbalance', time: 5 });
    expect(journal.problems).toEqual([expect.objectContaining({ field: 'until', reason: 'is null', repaired: 'the halt lasts until an operator clears it' })]);
  });
});

describe('journal in-memory tail', () => {
  it('keeps only the latest armed close set, however many a long hold writes', () => {
    const j = journalAt(tempFile());
    j.append(opening);
    j.append({ kind: 'open', pair: PAIR, time: 1000, position });
    for (let i = 0; i < 500; i++) j.append({ kind: 'close_armed', pair: PAIR, time: 1001 + i, clientIds: { long: `l${i}`, short: `s${i}` }, validUntil: 5000 + i });
    expect(j.retainedEntries()).toBe(3);
    expect(j.lastState(PAIR).armed?.clientIds.long).toBe('l499');
    expect(j.entries(PAIR)).toHaveLength(502); // the file keeps the history
  });
});

describe('journal refresh (an operator resume from another process)', () => {
  it('folds a resume another process appended, and never folds the lines the bot wrote twice', () => {
    const file = tempFile();
    const bot = journalAt(file);
    bot.append({ kind: 'open', pair: PAIR, time: 1000, position });
    bot.append({ kind: 'closing', pair: PAIR, time: 1001, clientIds: { long: 'a', short: 'b' } });
    bot.append(closeFill('long', 0.01, 1002));
    bot.append({ kind: 'halted', pair: PAIR, time: 1003, reason: 'reconciliation mismatch' });
    expect(bot.refresh()).toEqual([]);

    const command = journalAt(file); // `npm start -- resume`, in its own process
    command.append({ kind: 'resumed', pair: PAIR, time: 2000, operator: true });
    fs.appendFileSync(file, '{"kind":"resumed","pair":"BTC-PERP","ti'); // a write still in progress: not read yet

    const picked = bot.refresh();
    expect(picked).toEqual([{ kind: 'resumed', pair: PAIR, time: 2000, operator: true }]);
    const state = bot.lastState(PAIR);
    expect(state.halt).toBeUndefined();
    expect(state.closedSize).toEqual({ long: 0.01, short: 0 }); // its own close fill, folded once
    expect(bot.refresh()).toEqual([]);
  });

  it("never hands back the bot's own resume as an operator's: a halt raised after it stays (the API's resume, then halt)", () => {
    const file = tempFile();
    const bot = journalAt(file);
    bot.append({ kind: 'halted', pair: PAIR, time: 1000, reason: 'flatten: operator' });
    bot.append({ kind: 'resumed', pair: PAIR, time: 1001, operator: true }); // the API's resume, in this process
    bot.append({ kind: 'halted', pair: PAIR, time: 1002, reason: 'venue maintenance' }); // the API's halt
    expect(bot.refresh()).toEqual([]);
    expect(bot.lastState(PAIR).halt?.reason).toBe('venue maintenance');
  });

  it("skips its own resume written while another process's lines were still unread, and still reads theirs", () => {
    const file = tempFile();
    const bot = journalAt(file);
    bot.append({ kind: 'halted', pair: PAIR, time: 1000, reason: 'reconciliation mismatch' });
    journalAt(file).append({ kind: 'resumed', pair: PAIR, time: 2000, operator: true }); // another process
    bot.append({ kind: 'resumed', pair: PAIR, time: 2001, operator: true }); // ours, after theirs, before any refresh
    expect(bot.refresh()).toEqual([{ kind: 'resumed', pair: PAIR, time: 2000, operator: true }]);
    expect(bot.refresh()).toEqual([]);
  });
});

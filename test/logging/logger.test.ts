import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import winston from 'winston';
import { events, type TradingEvent } from '../../src/domain/events';
import { createLogger, describeEvent, eventLevel, logEvent, type Logger } from '../../src/logging/logger';
import { Outputs } from '../../src/logging/output';

const PRIVATE_KEY = '0x' + '4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318';
const STARK_KEY = '0x' + '3c1e9550e66958296d11b60f8e8e7a7ad990d07fa65d5f7652c4a6c87d4e3cc'; // 63 digits
const JWT = 'eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIweDEyMyIsImV4cCI6MTcwMDAwMDAwMH0.c2lnbmF0dXJlLWJ5dGVz';
const API_KEY = 'vst-api-KEY-7f3a9c1e55';

let dir: string;
/** Loggers a test created but did not end (ending twice would never call back). */
let open = new Set<Logger>();

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logger-'));
});

afterEach(async () => {
  await Promise.all([...open].map((l) => new Promise<void>((r) => l.end(r))));
  open = new Set();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A logger writing JSON lines to a temp file and console lines to a captured stream. */
function capture(level: string, format: 'json' | 'pretty' = 'pretty') {
  const stream = new PassThrough();
  let consoleText = '';
  stream.on('data', (chunk: Buffer) => (consoleText += chunk.toString('utf8')));
  const file = path.join(dir, 'nested', 'bot.log');
  const logger = createLogger({ level, format, file, stream });
  open.add(logger);
  const finish = async (): Promise<{ console: string; file: string; lines: Record<string, unknown>[] }> => {
    open.delete(logger);
    await new Promise<void>((r) => logger.end(r));
    const text = fs.readFileSync(file, 'utf8');
    const lines = text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    return { console: consoleText, file: text, lines };
  };
  return { logger, finish };
}

function logSecrets(logger: Logger): void {
  logger.info(`authenticating with ${PRIVATE_KEY} and token ${JWT}`, {
    apiKey: API_KEY,
    headers: { Authorization: `Bearer ${JWT}`, 'X-API-KEY': API_KEY },
    account: { privateKey: STARK_KEY, address: '0x5e11' },
    url: `wss://ws-prod.hz.vestmarkets.com/ws-api?version=1.0&listenKey=${API_KEY}`,
    attempts: [{ signature: '["123","456"]' }],
  });
  logger.warn('request failed', { err: new Error(`rejected key ${PRIVATE_KEY}`) });
  logger.info(`raw key without prefix ${PRIVATE_KEY.slice(2)}`);
}

const SECRETS = [PRIVATE_KEY, PRIVATE_KEY.slice(2), STARK_KEY, STARK_KEY.slice(2), JWT, API_KEY, '["123","456"]'];

describe('createLogger: secrets', () => {
  it.each(['pretty', 'json'] as const)('never writes a private key, JWT or API key to the file or the %s console', async (format) => {
    const { logger, finish } = capture('debug', format);
    logSecrets(logger);
    const out = await finish();
    expect(out.lines).toHaveLength(3);
    for (const secret of SECRETS) {
      expect(out.file).not.toContain(secret);
      expect(out.console).not.toContain(secret);
    }
    // What is not secret stays readable.
    expect(out.lines[0]!['message']).toBe('authenticating with <redacted> and token <redacted>');
    expect(out.lines[0]!['account']).toEqual({ privateKey: '<redacted>', address: '0x5e11' });
    expect(out.console).toContain('authenticating with <redacted>');
  });

  it('does not modify the objects the caller logged', async () => {
    const { logger, finish } = capture('info');
    const meta = { credentials: { apiKey: API_KEY } };
    logger.info('hello', meta);
    await finish();
    expect(meta.credentials.apiKey).toBe(API_KEY);
  });

  it('redacts for transports added after creation too', async () => {
    const { logger, finish } = capture('info');
    const extra = new PassThrough();
    let extraText = '';
    extra.on('data', (c: Buffer) => (extraText += c.toString('utf8')));
    logger.add(new winston.transports.Stream({ stream: extra, format: winston.format.json() }));
    logger.info('late', { jwt: JWT, note: `Bearer ${JWT}` });
    await finish();
    expect(extraText).toContain('late');
    expect(extraText).not.toContain(JWT);
  });
});

describe('createLogger: output', () => {
  it('writes one parseable JSON object per line with level, message and timestamp', async () => {
    const { logger, finish } = capture('info');
    logger.info('first', { n: 1 });
    logger.error('second');
    const { lines } = await finish();
    expect(lines.map((l) => [l['level'], l['message']])).toEqual([
      ['info', 'first'],
      ['error', 'second'],
    ]);
    expect(lines[0]!['n']).toBe(1);
    expect(Number.isNaN(Date.parse(String(lines[0]!['timestamp'])))).toBe(false);
  });

  it('writes readable console lines: time, level, message', async () => {
    const { logger, finish } = capture('info', 'pretty');
    logger.warn('feed slow', { ageMs: 1200 });
    const out = await finish();
    expect(out.console).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z WARN {2}feed slow \{"ageMs":1200\}\n$/);
  });

  it('drops lines below the level', async () => {
    const { logger, finish } = capture('warn');
    logger.info('hidden');
    logger.debug('hidden too');
    logger.warn('shown');
    const { lines } = await finish();
    expect(lines.map((l) => l['message'])).toEqual(['shown']);
  });

  it('appends to an existing log file', async () => {
    const a = capture('info');
    a.logger.info('run 1');
    await a.finish();
    const b = capture('info');
    b.logger.info('run 2');
    const { lines } = await b.finish();
    expect(lines.map((l) => l['message'])).toEqual(['run 1', 'run 2']);
  });

  it('keeps logging through a full disk: bot.log on /dev/full never throws out of a log call', async () => {
    const file = path.join(dir, 'bot.log');
    fs.symlinkSync('/dev/full', file); // every write fails with ENOSPC, as on a full disk
    const stream = new PassThrough();
    const logger = createLogger({ level: 'info', file, stream, format: 'pretty' });
    const errors: unknown[] = [];
    logger.on('error', (e) => errors.push(e));
    let consoleText = '';
    stream.on('data', (chunk: Buffer) => (consoleText += chunk.toString('utf8')));
    expect(() => {
      logger.info('first');
      logger.error('second');
    }).not.toThrow();
    await new Promise<void>((r) => logger.end(r));
    expect(errors).toEqual([]);
    expect(consoleText).toContain('second'); // the console still works
  });

  it('reports a full bot.log once through the outputs guard', async () => {
    const file = path.join(dir, 'bot.log');
    fs.symlinkSync('/dev/full', file);
    const outputs = new Outputs();
    const told: string[] = [];
    outputs.reportTo('stderr', (line) => told.push(line));
    const logger = createLogger({ level: 'info', file, console: false, outputs });
    for (let i = 0; i < 3; i++) logger.info(`line ${i}`);
    await new Promise<void>((r) => logger.end(r));
    expect(told).toEqual(['output error: bot.log: no space left on device (ENOSPC); later output to it is dropped']);
  });

  it('refuses an unknown level', () => {
    expect(() => createLogger({ level: 'verbose', console: false })).toThrow(/log level must be one of error, warn, info, debug/);
  });
});

const T = 1_700_000_000_000;
const sample: Record<string, TradingEvent> = {
  monitoring: events.positionMonitoring(T, { pair: 'BTC-PERP', polls: 7, entrySpread: 0.0712, exitSpread: -0.031, exitTarget: -0.02 }),
  spreadMonitoring: events.spreadMonitoring(T, { pair: 'BTC-PERP', entryAOverB: 0.01 }),
  entry: events.tradeEntry(T, {
    pair: 'BTC-PERP',
    direction: 'AOverB',
    entrySpread: 0.0712,
    spreadThreshold: 0.06,
    longVenue: 'vest',
    shortVenue: 'paradex',
    size: 0.001,
    longFillPrice: 95_000,
    shortFillPrice: 95_067.64,
    feesUsd: 0.19,
    latencyMs: 41,
  }),
  closeFailed: events.closeFailed(T, { pair: 'BTC-PERP', polls: 3, reason: 'timeout' }),
  unwoundOk: events.legUnwound(T, { pair: 'BTC-PERP', venue: 'vest', size: 0.001, ok: true, reason: 'other leg rejected' }),
  unwoundFailed: events.legUnwound(T, { pair: 'BTC-PERP', venue: 'vest', size: 0.001, ok: false, reason: 'venue down' }),
  halted: events.tradingHalted(T, { pair: 'BTC-PERP', reason: 'loss limit' }),
  stale: events.feedStale(T, { venue: 'paradex', symbol: 'BTC-USD-PERP', ageMs: 5000, reason: 'no updates' }),
  mismatch: events.reconciliationMismatch(T, { pair: 'BTC-PERP', detail: 'vest 0.001 vs paradex 0' }),
  closed: events.positionClosed(T, { pair: 'BTC-PERP', polls: 9, entrySpread: 0.0712, exitSpread: -0.01, profit: 0.0612, grossPnlUsd: 0.058 }),
};

describe('logEvent', () => {
  it('logs monitoring events at debug and trades at info', () => {
    expect(eventLevel(sample['monitoring']!)).toBe('debug');
    expect(eventLevel(sample['spreadMonitoring']!)).toBe('debug');
    expect(eventLevel(sample['entry']!)).toBe('info');
    expect(eventLevel(sample['closed']!)).toBe('info');
  });

  it('logs failures and halts at warn, and a failed unwind (an unhedged leg) at error', () => {
    for (const k of ['closeFailed', 'unwoundOk', 'halted', 'stale', 'mismatch']) expect([k, eventLevel(sample[k]!)]).toEqual([k, 'warn']);
    expect(eventLevel(sample['unwoundFailed']!)).toBe('error');
  });

  it('writes the event at its level with its fields and spreads formatted by formatPct', async () => {
    const { logger, finish } = capture('debug');
    logEvent(logger, sample['entry']!);
    logEvent(logger, sample['monitoring']!);
    logEvent(logger, sample['closeFailed']!);
    const { lines, console } = await finish();
    expect(lines.map((l) => [l['level'], l['event_type']])).toEqual([
      ['info', 'TRADE_ENTRY'],
      ['debug', 'POSITION_MONITORING'],
      ['warn', 'CLOSE_FAILED'],
    ]);
    expect(lines[0]).toMatchObject({ pair: 'BTC-PERP', direction: 'AOverB', entrySpread: 0.0712, time: T, latencyMs: 41 });
    expect(lines[0]!['message']).toContain('entry=0.0712% threshold=0.0600%');
    expect(lines[1]!['message']).toBe('POSITION_MONITORING BTC-PERP poll=7 entry=0.0712% exit=-0.0310% target=-0.0200%');
    expect(console).toContain('DEBUG POSITION_MONITORING BTC-PERP poll=7');
  });

  it('skips monitoring events when debug is off', async () => {
    const { logger, finish } = capture('info');
    logEvent(logger, sample['monitoring']!);
    logEvent(logger, sample['closed']!);
    const { lines } = await finish();
    expect(lines.map((l) => l['event_type'])).toEqual(['POSITION_CLOSED']);
  });

  it('describes a missing exit spread as n/a, never as 0', () => {
    const e = events.positionMonitoring(T, { pair: 'ETH-PERP', polls: 1, entrySpread: 0.1, exitSpread: undefined, exitTarget: -0.02 });
    expect(describeEvent(e)).toBe('POSITION_MONITORING ETH-PERP poll=1 entry=0.1000% exit=n/a target=-0.0200%');
  });
});

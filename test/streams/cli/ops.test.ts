/**
 * The operator's API on a real sim run: a real server on port 0 in front of the simulated venues over
 * loopback. /metrics parses as Prometheus text (prom-client's own registry format, checked line by line
 * against the exposition grammar) with the expected series; control routes refuse without the token and
 * without one configured; a flatten with the token closes the open position and halts every pair.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as http from 'node:http';
import { defaultConfig, type BotConfig } from '../../../src/config';
import type { TradingEvent } from '../../../src/domain/events';
import { startRun, type RunHandle } from '../../../streams/cli/run';

const FAST_MARKET = { basisTauSec: 0.8, basisStdPct: 0.16 };
const TOKEN = 'test-token-0123456789abcdef';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(url: string, opts: { method?: string; token?: string; body?: unknown; accept?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const req = http.request(
      url,
      {
        method: opts.method ?? 'GET',
        agent: false,
        headers: {
          ...(opts.token !== undefined ? { authorization: `Bearer ${opts.token}` } : {}),
          ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(opts.accept ? { accept: opts.accept } : {}),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * The Prometheus text exposition format 0.0.4, strictly: HELP/TYPE comments, then samples
 * `name{label="value",…} number`, every sample's family declared by a TYPE line before it.
 */
function parsePrometheus(text: string): Map<string, { type: string; samples: { name: string; labels: Record<string, string>; value: number }[] }> {
  const families = new Map<string, { type: string; samples: { name: string; labels: Record<string, string>; value: number }[] }>();
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const sampleRe = new RegExp(`^(${NAME})(?:\\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\.)*",?)*)\\})? (-?(?:[0-9.]+(?:e[+-]?[0-9]+)?|NaN|\\+Inf|-Inf))$`);
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line);
    if (type) {
      families.set(type[1]!, { type: type[2]!, samples: [] });
      continue;
    }
    if (new RegExp(`^# HELP ${NAME} `).test(line)) continue;
    const m = sampleRe.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${JSON.stringify(line)}`);
    const name = m[1]!;
    const family = families.get(name) ?? families.get(name.replace(/_(bucket|sum|count)$/, ''));
    if (!family) throw new Error(`sample before its TYPE line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    family.samples.push({ name, labels, value: Number(m[3]) });
  }
  return families;
}

function waitFor<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      const v = check();
      if (v !== undefined) return resolve(v);
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(poll, 50);
    };
    poll();
  });
}

describe('the HTTP API of a running bot', () => {
  let runsDir: string;
  let handle: RunHandle | undefined;
  beforeEach(() => {
    runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'arb-ops-'));
  });
  afterEach(async () => {
    if (handle) {
      handle.stop('test over');
      await handle.done.catch(() => undefined);
      handle = undefined;
    }
    fs.rmSync(runsDir, { recursive: true, force: true });
  });

  /** A sim run whose positions never reach their exit target on their own: only a flatten closes them. */
  function start(token: string | undefined, seen: TradingEvent[]): { handle: RunHandle; url: Promise<string> } {
    const base = defaultConfig();
    const config: BotConfig = { ...base, bots: base.bots.map((b) => ({ ...b, spreadExit: 50 })) };
    let resolveUrl: (u: string) => void = () => {};
    const url = new Promise<string>((r) => (resolveUrl = r));
    handle = startRun({
      mode: 'sim',
      config,
      seed: 7,
      closeOnExit: false,
      runsDir,
      logLevel: 'warn',
      simModel: FAST_MARKET,
      api: { host: '127.0.0.1', port: 0, token, heartbeatMs: 1000 },
      onApiListening: resolveUrl,
      onEvent: (e) => seen.push(e),
    });
    return { handle, url };
  }

  it('serves /metrics as Prometheus text with the expected series, and status and events as JSON', async () => {
    const seen: TradingEvent[] = [];
    const { url } = start(undefined, seen);
    const base = await url;
    await waitFor(() => (seen.filter((e) => e.type === 'SPREAD_MONITORING').length >= 2 ? true : undefined), 20_000, 'spread samples');

    const metrics = await request(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheus(metrics.body);
    const pair = defaultConfig().bots[0]!.pair;
    for (const [name, type] of [
      ['arb_spread_net_entry_pct', 'gauge'],
      ['arb_spread_exit_pct', 'gauge'],
      ['arb_book_age_seconds', 'gauge'],
      ['arb_feed_frames_total', 'counter'],
      ['arb_feed_decode_errors_total', 'counter'],
      ['arb_feed_reconnects_total', 'counter'],
      ['arb_feed_resyncs_total', 'counter'],
      ['arb_position_size', 'gauge'],
      ['arb_realised_net_pnl_usd', 'gauge'],
      ['arb_unrealised_pnl_usd', 'gauge'],
      ['arb_run_pnl_usd', 'gauge'],
      ['arb_halted', 'gauge'],
      ['arb_orders_total', 'counter'],
      ['arb_order_fill_latency_seconds', 'histogram'],
      ['arb_signal_to_fill_seconds', 'histogram'],
      ['arb_process_process_resident_memory_bytes', 'gauge'],
      ['arb_process_nodejs_heap_size_used_bytes', 'gauge'],
    ] as const) {
      expect({ name, type: families.get(name)?.type }).toEqual({ name, type });
    }
    const net = families.get('arb_spread_net_entry_pct')!.samples.filter((s) => s.labels.pair === pair);
    expect(net.map((s) => s.labels.direction).sort()).toEqual(['AOverB', 'BOverA']);
    const frames = families.get('arb_feed_frames_total')!.samples;
    expect(frames.map((s) => s.labels.venue).sort()).toEqual(['paradex', 'vest']);
    expect(frames.every((s) => s.value > 0)).toBe(true);
    expect(families.get('arb_halted')!.samples).toEqual([{ name: 'arb_halted', labels: { pair }, value: 0 }]);

    const status = await request(`${base}/api/status`);
    expect(status.status).toBe(200);
    const body = JSON.parse(status.body) as { mode: string; pairs: { pair: string; halted: boolean; spreads: unknown }[]; feeds: { frames: number }[]; pnl: unknown };
    expect(body.mode).toBe('sim');
    expect(body.pairs[0]).toMatchObject({ pair, halted: false });
    expect(body.pairs[0]!.spreads).not.toBeNull();
    expect(body.feeds).toHaveLength(2);
    expect(body.feeds.every((f) => f.frames > 0)).toBe(true);
    expect(body.pnl).toMatchObject({ feesUsd: expect.any(Number), realisedNetUsd: expect.any(Number) });

    const tail = JSON.parse((await request(`${base}/api/events?limit=3`)).body) as { events: TradingEvent[] };
    expect(tail.events.length).toBeLessThanOrEqual(3);
    const all = JSON.parse((await request(`${base}/api/events?limit=1000`)).body) as { events: TradingEvent[] };
    expect(all.events[0]!.type).toBe('BOT_STARTED');
    // The bot trades between the two requests: the tail is a run of consecutive events within the longer list.
    expect(tail.events.length).toBeGreaterThan(0);
    expect(JSON.stringify(all.events)).toContain(JSON.stringify(tail.events).slice(1, -1));
    expect(all.events.some((e) => e.type === 'SPREAD_MONITORING' || e.type === 'POSITION_MONITORING')).toBe(false);
  }, 60_000);

  it('streams events live over SSE', async () => {
    const seen: TradingEvent[] = [];
    const { url } = start(undefined, seen);
    const base = await url;
    const received: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const req = http.get(`${base}/api/events`, { headers: { accept: 'text/event-stream' }, agent: false }, (res) => {
        expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          received.push(chunk);
          if (received.join('').includes('"type":"SPREAD_MONITORING"')) {
            req.destroy();
            resolve();
          }
        });
      });
      req.on('error', (e) => (received.join('').includes('SPREAD_MONITORING') ? resolve() : reject(e)));
    });
    const text = received.join('');
    expect(text).toMatch(/event: recent\ndata: \{"type":"BOT_STARTED"/);
    expect(text).toMatch(/id: \d+\ndata: \{"type":"SPREAD_MONITORING"/);
  }, 60_000);

  it('refuses control without a token configured, and without or with a wrong bearer token', async () => {
    const seen: TradingEvent[] = [];
    const first = start(undefined, seen);
    const open = await first.url;
    const pair = defaultConfig().bots[0]!.pair;
    const disabled = await request(`${open}/api/flatten`, { method: 'POST', token: TOKEN });
    expect(disabled.status).toBe(403);
    expect(JSON.parse(disabled.body)).toEqual({ error: expect.stringContaining('ARB_API_TOKEN') });
    expect((await request(`${open}/api/pairs/${pair}/halt`, { method: 'POST' })).status).toBe(403);
    first.handle.stop('next');
    await first.handle.done;

    const second = start(TOKEN, seen);
    const base = await second.url;
    const missing = await request(`${base}/api/pairs/${pair}/halt`, { method: 'POST' });
    expect(missing.status).toBe(401);
    const wrong = await request(`${base}/api/pairs/${pair}/halt`, { method: 'POST', token: `${TOKEN}x` });
    expect(wrong.status).toBe(401);
    expect(wrong.body).not.toContain(TOKEN);
    expect(seen.some((e) => e.type === 'TRADING_HALTED')).toBe(false);
    const unknown = await request(`${base}/api/pairs/NOPE-PERP/halt`, { method: 'POST', token: TOKEN });
    expect(unknown.status).toBe(404);

    // With the token: halted, journalled, visible in status and metrics; resumed after the venues check.
    const halted = await request(`${base}/api/pairs/${pair}/halt`, { method: 'POST', token: TOKEN, body: { reason: 'maintenance' } });
    expect(halted.status).toBe(200);
    await waitFor(() => seen.find((e) => e.type === 'TRADING_HALTED'), 5000, 'TRADING_HALTED');
    const status = JSON.parse((await request(`${base}/api/status`)).body) as { pairs: { halted: boolean; haltReason: string }[] };
    expect(status.pairs[0]).toMatchObject({ halted: true, haltReason: 'maintenance' });
    expect((await request(`${base}/metrics`)).body).toMatch(new RegExp(`^arb_halted\\{pair="${pair}"\\} 1$`, 'm'));
    const resumed = await request(`${base}/api/pairs/${pair}/resume`, { method: 'POST', token: TOKEN });
    expect(JSON.parse(resumed.body)).toMatchObject({ status: 'ok', lines: [expect.stringContaining('halt cleared (was: maintenance)'), expect.any(String)] });
    await waitFor(() => seen.find((e) => e.type === 'TRADING_RESUMED'), 5000, 'TRADING_RESUMED');
    second.handle.stop('test over');
    await second.handle.done;
    handle = undefined;
    // The token appears in no file the runs wrote (bot.log, events.ndjson, report.html, the journal).
    for (const dir of fs.readdirSync(runsDir).filter((d) => d !== 'latest')) {
      for (const name of fs.readdirSync(path.join(runsDir, dir))) {
        const file = path.join(runsDir, dir, name);
        if (fs.statSync(file).isFile()) expect({ file: name, holdsToken: fs.readFileSync(file, 'utf8').includes(TOKEN) }).toEqual({ file: name, holdsToken: false });
      }
    }
  }, 90_000);

  it('flattens with the token: the open position is closed, every pair halted, each outcome reported', async () => {
    const seen: TradingEvent[] = [];
    const { url, handle: run } = start(TOKEN, seen);
    const base = await url;
    await waitFor(() => seen.find((e) => e.type === 'POSITION_OPENED'), 45_000, 'a position to open');
    const reply = await request(`${base}/api/flatten`, { method: 'POST', token: TOKEN, body: { reason: 'test kill switch' } });
    const body = JSON.parse(reply.body) as { status: string; flat: boolean; outcomes: { pair: string; outcome: string }[]; lines: string[] };
    expect(reply.status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', flat: true });
    expect(body.outcomes).toEqual([expect.objectContaining({ pair: defaultConfig().bots[0]!.pair, outcome: 'closed' })]);
    await waitFor(() => seen.find((e) => e.type === 'POSITION_CLOSED'), 5000, 'POSITION_CLOSED');
    expect(seen.find((e) => e.type === 'POSITION_CLOSED')).toMatchObject({ reason: 'flatten' });
    expect(seen.find((e) => e.type === 'TRADING_HALTED')).toMatchObject({ reason: 'flatten: test kill switch' });
    const status = JSON.parse((await request(`${base}/api/status`)).body) as { pairs: { halted: boolean; position: unknown; phase: string }[] };
    expect(status.pairs[0]).toMatchObject({ halted: true, position: null });
    // Halted: no new entry while the market keeps crossing the threshold.
    const opened = seen.filter((e) => e.type === 'POSITION_OPENED').length;
    await new Promise((r) => setTimeout(r, 1500));
    expect(seen.filter((e) => e.type === 'POSITION_OPENED').length).toBe(opened);
    run.stop('test over');
    const result = await run.done;
    handle = undefined;
    expect(result.summary.openAtExit).toBe(0);
    expect(result.summary.exposureAtExit).toEqual([]);
  }, 90_000);
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../../src/config/errors';
import { MAX_YAML_ALIAS_COUNT, defaultConfig, parseConfig } from '../../src/config/parse';
import { suggestKey } from '../../src/config/schema';
import { configErrorOf } from '../support/config-error';

const ORIGINAL_YAML = `
bots:
  - id: btc_vest_paradex
    pair: BTC-PERP
    dex_a: vest
    dex_b: paradex
    spread_entry: 0.06
    spread_exit: -0.02
    leverage: 5
    position_size: 0.0002
risk:
  adl_warning: 10.0
  adl_critical: 5.0
  max_duration_hours: 24
api:
  port: 8080
  ws_heartbeat_sec: 30
`;

describe('parseConfig: the original format', () => {
  it("reads the original bot's config.yaml unchanged", () => {
    const { config, warnings } = parseConfig(ORIGINAL_YAML);
    expect(warnings).toEqual([]);
    expect(config.bots).toHaveLength(1);
    expect(config.bots[0]).toMatchObject({
      id: 'btc_vest_paradex',
      pair: 'BTC-PERP',
      dexA: 'vest',
      dexB: 'paradex',
      spreadEntry: 0.06,
      spreadExit: -0.02,
      leverage: 5,
      positionSize: 0.0002,
    });
    expect(config.risk).toMatchObject({ adlWarning: 10, adlCritical: 5, maxDurationHours: 24 });
    expect(config.api).toEqual({ port: 8080, host: '127.0.0.1', wsHeartbeatSec: 30 });
  });

  it('uses every bots[] entry, not just the first', () => {
    const { config } = parseConfig(`
bots:
  - pair: BTC-PERP
  - pair: ETH-PERP
    position_size: 0.05
  - pair: SOL-PERP
    dex_a: paradex
    dex_b: vest
`);
    expect(config.bots.map((b) => b.pair)).toEqual(['BTC-PERP', 'ETH-PERP', 'SOL-PERP']);
    expect(config.bots[1]!.positionSize).toBe(0.05);
    expect(config.bots[2]).toMatchObject({ dexA: 'paradex', dexB: 'vest', id: 'sol_paradex_vest' });
  });

  it('fills every omitted field with its documented default', () => {
    const { config } = parseConfig('bots:\n  - pair: BTC-PERP\n');
    expect(config.bots[0]).toEqual({
      id: 'btc_vest_paradex',
      pair: 'BTC-PERP',
      dexA: 'vest',
      dexB: 'paradex',
      spreadEntry: 0.06,
      spreadExit: -0.02,
      spreadEntryMax: undefined,
      leverage: 5,
      positionSize: 0.001,
      entryConfirmTicks: 1,
      exitConfirmTicks: 1,
      slippagePct: 0.5,
      maxPositionBase: 0.001,
    });
    expect(config.risk).toEqual({
      adlWarning: 10,
      adlCritical: 5,
      maxDurationHours: 24,
      maxPositionBase: undefined,
      maxNotionalUsd: 10_000,
      maxLossUsd: 500,
      haltCooldownSec: 60,
      fundingReconcileMinutes: 15,
      fundingTolerance: { absUsd: 0.01, relative: 0.02 },
    });
    expect(config.market).toEqual({ usdcUsd: 1 });
    expect(config.api).toEqual({ port: 8080, host: '127.0.0.1', wsHeartbeatSec: 30 });
    expect(config.execution).toEqual({
      legTimeoutMs: 5000,
      closeRetries: 5,
      closeBackoffMs: 250,
      sampleMs: 0,
      maxBookAgeMs: 2000,
      staleAfterMs: 5000,
      cooldownMs: 1000,
      slippagePct: 0.5,
      shutdownGraceMs: 10_000,
    });
    expect(config.venues).toEqual({
      paradex: { restUrl: undefined, wsUrl: undefined, encoding: 'sbe' },
      vest: { restUrl: undefined, wsUrl: undefined, accountGroup: undefined },
    });
    expect(config.journalDir).toBe('journal');
  });

  it('accepts the fields the original grew later (confirm ticks, slippage buffer, spread_entry_max)', () => {
    const { config } = parseConfig(`
bots:
  - pair: BTC-PERP
    spread_entry: 0.1
    spread_entry_max: 2
    entry_confirm_ticks: 3
    exit_confirm_ticks: 2
    slippage_buffer_pct: 0.007
`);
    expect(config.bots[0]).toMatchObject({ spreadEntryMax: 2, entryConfirmTicks: 3, exitConfirmTicks: 2 });
  });

  it('reads slippage_buffer_pct as a fraction and stores it as a percent (0.005 -> 0.5)', () => {
    const { config } = parseConfig(`
bots:
  - pair: BTC-PERP
    slippage_buffer_pct: 0.007
  - pair: ETH-PERP
execution:
  slippage_buffer_pct: 0.002
`);
    expect(config.bots[0]!.slippagePct).toBe(0.7);
    expect(config.bots[1]!.slippagePct).toBe(0.2);
    expect(config.execution.slippagePct).toBe(0.2);
  });

  it('refuses a slippage buffer written as a percent by mistake (0.5 would be a 50 % price cap)', () => {
    const err = configErrorOf(() => parseConfig('bots:\n  - pair: BTC-PERP\n    slippage_buffer_pct: 0.5\n'));
    expect(err.message).toBe('config error: bots[0].slippage_buffer_pct = 0.5: must be a fraction from 0 to 0.05 (0.005 = 0.5 %)');
  });

  it('reads the new risk, execution, venue and journal fields', () => {
    const { config } = parseConfig(`
bots:
  - pair: BTC-PERP
  - pair: ETH-PERP
    position_size: 0.01
risk:
  max_position_base: { BTC-PERP: 0.002, ETH-PERP: 0.02 }
  max_notional_usd: 2500
  max_loss_usd: 100
  halt_cooldown_sec: 30
execution:
  leg_timeout_ms: 3000
  close_retries: 2
  close_backoff_ms: 100
  sample_ms: 25
  max_book_age_ms: 1000
  stale_after_ms: 4000
  cooldown_ms: 0
venues:
  paradex: { rest_url: "http://127.0.0.1:9000/v1", ws_url: "ws://127.0.0.1:9000/v1", encoding: json }
  vest: { rest_url: "http://127.0.0.1:9001/v2", ws_url: "ws://127.0.0.1:9001/ws-api?version=1.0", account_group: 2 }
journal_dir: /var/lib/arb/journal
`);
    expect(config.bots.map((b) => b.maxPositionBase)).toEqual([0.002, 0.02]);
    expect(config.risk).toMatchObject({ maxNotionalUsd: 2500, maxLossUsd: 100, haltCooldownSec: 30 });
    expect(config.execution).toMatchObject({
      legTimeoutMs: 3000,
      closeRetries: 2,
      closeBackoffMs: 100,
      sampleMs: 25,
      maxBookAgeMs: 1000,
      staleAfterMs: 4000,
      cooldownMs: 0,
    });
    expect(config.venues.paradex).toEqual({ restUrl: 'http://127.0.0.1:9000/v1', wsUrl: 'ws://127.0.0.1:9000/v1', encoding: 'json' });
    expect(config.venues.vest.accountGroup).toBe(2);
    expect(config.journalDir).toBe('/var/lib/arb/journal');
  });

  it('applies a single max_position_base number to every pair', () => {
    const { config } = parseConfig('bots:\n  - pair: BTC-PERP\n  - pair: ETH-PERP\nrisk:\n  max_position_base: 0.5\n');
    expect(config.bots.map((b) => b.maxPositionBase)).toEqual([0.5, 0.5]);
  });

  it('treats an empty key or a section with every key commented out as unset', () => {
    const { config } = parseConfig('bots:\n  - pair: BTC-PERP\n    spread_entry_max:\nvenues:\n  vest:\n    # account_group: 0\n');
    expect(config.bots[0]!.spreadEntryMax).toBeUndefined();
    expect(config.venues.vest.accountGroup).toBeUndefined();
  });

  it('parses the documented config.example.yaml without warnings', () => {
    const text = fs.readFileSync(path.join(__dirname, '../../config.example.yaml'), 'utf8');
    const { config, warnings } = parseConfig(text);
    expect(warnings).toEqual([]);
    expect(config.bots.map((b) => b.pair)).toEqual(['BTC-PERP', 'ETH-PERP']);
  });
});

describe('parseConfig: bad values', () => {
  const bad: [string, string, string][] = [
    ['spread_entry: -0.5', 'bots[0].spread_entry = -0.5', 'must be > 0 and < 100'],
    ['spread_entry: 100', 'bots[0].spread_entry = 100', 'must be > 0 and < 100'],
    ['spread_exit: -100', 'bots[0].spread_exit = -100', 'must be > -100 and < 100'],
    ['leverage: 0', 'bots[0].leverage = 0', 'must be an integer from 1 to 100'],
    ['leverage: 101', 'bots[0].leverage = 101', 'must be an integer from 1 to 100'],
    ['leverage: 2.5', 'bots[0].leverage = 2.5', 'must be an integer'],
    ['position_size: 0', 'bots[0].position_size = 0', 'must be > 0'],
    ['position_size: "0.001"', 'bots[0].position_size = "0.001"', 'must be a number'],
    ['spread_entry: .inf', 'bots[0].spread_entry = Infinity', 'must be a number'],
    ['entry_confirm_ticks: 0', 'bots[0].entry_confirm_ticks = 0', 'must be an integer >= 1'],
    ['dex_a: binance', 'bots[0].dex_a = "binance"', "must be 'vest' or 'paradex'"],
    ['id: "has space"', 'bots[0].id = "has space"', "must be non-empty and use only letters, digits, '_', '-', '.'"],
  ];
  it.each(bad)('refuses `%s` naming the field, the value and the rule', (line, fieldAndValue, rule) => {
    const err = configErrorOf(() => parseConfig(`bots:\n  - pair: BTC-PERP\n    ${line}\n`));
    expect(err.message).toBe(`config error: ${fieldAndValue}: ${rule}`);
    expect(err.issues).toHaveLength(1);
  });

  it.each([
    ['-1', '-1'],
    ['2.5', '2.5'],
    ['2147483648', '2147483648'],
    ['"10s"', '"10s"'],
  ])('refuses execution.shutdown_grace_ms: %s naming the field, the value and the rule', (value, shown) => {
    const err = configErrorOf(() => parseConfig(`bots:\n  - pair: BTC-PERP\nexecution:\n  shutdown_grace_ms: ${value}\n`));
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatchObject({ path: 'execution.shutdown_grace_ms', value: shown });
    expect(err.message).toMatch(/^config error: execution\.shutdown_grace_ms = .*: must be (an integer|a number|at most 2147483647)/);
  });

  it('reads execution.shutdown_grace_ms (0 = do not wait for orders in flight)', () => {
    expect(parseConfig('bots:\n  - pair: BTC-PERP\nexecution:\n  shutdown_grace_ms: 0\n').config.execution.shutdownGraceMs).toBe(0);
    expect(parseConfig('bots:\n  - pair: BTC-PERP\nexecution:\n  shutdown_grace_ms: 30000\n').config.execution.shutdownGraceMs).toBe(30_000);
  });

  it('names the index of the bad bot: bots[1].spread_entry = -0.5', () => {
    const err = configErrorOf(() => parseConfig('bots:\n  - pair: BTC-PERP\n  - pair: ETH-PERP\n    spread_entry: -0.5\n'));
    expect(err.message).toBe('config error: bots[1].spread_entry = -0.5: must be > 0 and < 100');
    expect(err.issues[0]).toEqual({ path: 'bots[1].spread_entry', value: '-0.5', rule: 'must be > 0 and < 100' });
  });

  it('lists several problems one per line, each naming field, value and rule', () => {
    const err = configErrorOf(() => parseConfig('bots:\n  - pair: BTC-PERP\n    leverage: 0\n    spread_entry: 0\napi:\n  port: 70000\n'));
    const lines = err.message.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'config error: bots[0].leverage = 0: must be an integer from 1 to 100',
        'config error: bots[0].spread_entry = 0: must be > 0 and < 100',
        'config error: api.port = 70000: must be an integer from 0 to 65535',
      ]),
    );
    expect(lines).toHaveLength(3);
  });

  it('refuses hyperliquid and lighter with a message that only vest and paradex are supported', () => {
    for (const venue of ['hyperliquid', 'lighter']) {
      const err = configErrorOf(() => parseConfig(`bots:\n  - pair: BTC-PERP\n    dex_b: ${venue}\n`));
      expect(err.message).toBe(`config error: bots[0].dex_b = "${venue}": ${venue} is not supported: this bot trades only between vest and paradex`);
    }
  });

  it('refuses the same venue on both sides', () => {
    const err = configErrorOf(() => parseConfig('bots:\n  - pair: BTC-PERP\n    dex_a: paradex\n    dex_b: paradex\n'));
    expect(err.message).toBe('config error: bots[0].dex_b = "paradex": must differ from dex_a');
  });

  it('refuses an exit target at or above the entry threshold', () => {
    const err = configErrorOf(() => parseConfig('bots:\n  - pair: BTC-PERP\n    spread_entry: 0.05\n    spread_exit: 0.05\n'));
    expect(err.message).toBe('config error: bots[0].spread_exit = 0.05: must be < spread_entry (0.05)');
  });

  it('reads expected_hold_hours and funding_exit_bps_per_hour (both optional, off by default)', () => {
    expect(parseConfig('bots:\n  - pair: BTC-PERP\n').config.bots[0]).toMatchObject({ expectedHoldHours: undefined, fundingExitBpsPerHour: undefined });
    const { config } = parseConfig('bots:\n  - pair: BTC-PERP\n    expected_hold_hours: 8\n    funding_exit_bps_per_hour: 0.5\n');
    expect(config.bots[0]).toMatchObject({ expectedHoldHours: 8, fundingExitBpsPerHour: 0.5 });
  });

  it('refuses an expected_hold_hours that is not positive or exceeds risk.max_duration_hours, and a negative funding_exit_bps_per_hour', () => {
    expect(configErrorOf(() => parseConfig('bots:\n  - pair: BTC-PERP\n    expected_hold_hours: 0\n')).message).toBe(
      'config error: bots[0].expected_hold_hours = 0: must be a number of hours > 0',
    );
    expect(configErrorOf(() => parseConfig('bots:\n  - pair: BTC-PERP\n    expected_hold_hours: 30\nrisk:\n  max_duration_hours: 24\n')).message).toBe(
      'config error: bots[0].expected_hold_hours = 30: must be <= risk.max_duration_hours (24): positions are closed after that',
    );
    expect(configErrorOf(() => parseConfig('bots:\n  - pair: BTC-PERP\n    funding_exit_bps_per_hour: -1\n')).message).toBe(
      'config error: bots[0].funding_exit_bps_per_hour = -1: must be a number of basis points per hour >= 0 (0 = exit on any adverse carry)',
    );
  });

  it('reads market.usdc_usd (USD per USDC, default 1 = at par) and refuses one outside 0.8 to 1.2 naming field, value and rule', () => {
    expect(parseConfig('bots:\n  - pair: BTC-PERP\n').config.market).toEqual({ usdcUsd: 1 });
    expect(parseConfig('bots:\n  - pair: BTC-PERP\nmarket:\n  usdc_usd: 0.9998\n').config.market).toEqual({ usdcUsd: 0.9998 });
    const rule = 'must be a number of USD per USDC from 0.8 to 1.2 (1 = at par)';
    for (const [value, shown] of [['0', '0'], ['-1', '-1'], ['1.5', '1.5'], ['100', '100']] as const) {
      expect(configErrorOf(() => parseConfig(`bots:\n  - pair: BTC-PERP\nmarket:\n  usdc_usd: ${value}\n`)).message).toBe(`config error: market.usdc_usd = ${shown}: ${rule}`);
    }
    expect(configErrorOf(() => parseConfig('bots:\n  - pair: BTC-PERP\nmarket:\n  usdc_usd: "1"\n')).message).toBe('config error: market.usdc_usd = "1": must be a number');
    expect(parseConfig('bots:\n  - pair: BTC-PERP\nmarket:\n  usdc_ud: 1\n').warnings).toEqual(['unknown key market.usdc_ud is ignored (did you mean market.usdc_usd?)']);
  });

  it('reads the funding checks (risk.funding_reconcile_minutes, default 15, 0 = off; tolerance $0.01 or 2 %) and refuses bad ones', () => {
    expect(parseConfig('bots:\n  - pair: BTC-PERP\n').config.risk).toMatchObject({ fundingReconcileMinutes: 15, fundingTolerance: { absUsd: 0.01, relative: 0.02 } });
    const yaml = 'bots:\n  - pair: BTC-PERP\nrisk:\n  funding_reconcile_minutes: 0\n  funding_tolerance_usd: 0.05\n  funding_tolerance_relative: 0.1\n';
    expect(parseConfig(yaml).config.risk).toMatchObject({ fundingReconcileMinutes: 0, fundingTolerance: { absUsd: 0.05, relative: 0.1 } });
    const bad = (line: string) => configErrorOf(() => parseConfig(`bots:\n  - pair: BTC-PERP\nrisk:\n  ${line}\n`)).message;
    expect(bad('funding_reconcile_minutes: -1')).toMatch(/^config error: risk\.funding_reconcile_minutes = -1: must be a number of minutes from 0 \(off\) to 35791 /);
    expect(bad('funding_reconcile_minutes: 40000')).toMatch(/^config error: risk\.funding_reconcile_minutes = 40000: must be a number of minutes from 0 \(off\) to 35791 /);
    expect(bad('funding_tolerance_usd: -0.01')).toBe('config error: risk.funding_tolerance_usd = -0.01: must be a number of USD from 0 to 100');
    expect(bad('funding_tolerance_relative: 2')).toBe('config error: risk.funding_tolerance_relative = 2: must be a fraction from 0 to 0.5 (0.02 = 2 % of the figure)');
  });

  it('refuses spread_entry_max not above spread_entry', () => {
    const err = configErrorOf(() => parseConfig('bots:\n  - pair: BTC-PERP\n    spread_entry: 0.1\n    spread_entry_max: 0.1\n'));
    expect(err.message).toBe('config error: bots[0].spread_entry_max = 0.1: must be > spread_entry (0.1)');
  });

  it('refuses a pair that is not <BASE>-PERP', () => {
    const err = configErrorOf(() => parseConfig('bots:\n  - pair: BTC-USD\n'));
    expect(err.message).toBe('config error: bots[0].pair = "BTC-USD": must be <BASE>-PERP, e.g. BTC-PERP');
  });

  it('warns, without failing, on a pair outside the original set (the venues must list it)', () => {
    const { config, warnings } = parseConfig('bots:\n  - pair: DOGE-PERP\n');
    expect(config.bots[0]!.pair).toBe('DOGE-PERP');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('bots[0].pair = DOGE-PERP');
  });

  it('refuses duplicate bot ids', () => {
    const err = configErrorOf(() => parseConfig('bots:\n  - id: x\n    pair: BTC-PERP\n  - id: x\n    pair: ETH-PERP\n'));
    expect(err.message).toBe('config error: bots[1].id = "x": must be unique (bots[0] has it)');
  });

  it('refuses two bots on the same pair (they would fight over one position)', () => {
    const err = configErrorOf(() => parseConfig('bots:\n  - pair: BTC-PERP\n  - pair: BTC-PERP\n    dex_a: paradex\n    dex_b: vest\n'));
    expect(err.message).toBe('config error: bots[1].pair = "BTC-PERP": is already traded by bots[0]: one bot per pair');
  });

  it('refuses adl_warning not above adl_critical', () => {
    const err = configErrorOf(() => parseConfig('bots:\n  - pair: BTC-PERP\nrisk:\n  adl_warning: 5\n  adl_critical: 5\n'));
    expect(err.message).toBe('config error: risk.adl_warning = 5: must be > risk.adl_critical (5)');
  });

  it('refuses a position size above its max_position_base', () => {
    const err = configErrorOf(() => parseConfig('bots:\n  - pair: BTC-PERP\n    position_size: 0.01\nrisk:\n  max_position_base: { BTC-PERP: 0.005 }\n'));
    expect(err.message).toBe('config error: bots[0].position_size = 0.01: must be <= risk.max_position_base for BTC-PERP (0.005)');
  });

  it('refuses a max_position_base entry for a pair no bot trades (a typo would leave the real pair uncapped)', () => {
    const err = configErrorOf(() => parseConfig('bots:\n  - pair: BTC-PERP\nrisk:\n  max_position_base: { BTC-PREP: 0.005 }\n'));
    expect(err.message).toContain('risk.max_position_base');
  });

  it('refuses venue URLs with the wrong scheme', () => {
    const err = configErrorOf(() => parseConfig('bots:\n  - pair: BTC-PERP\nvenues:\n  paradex:\n    ws_url: https://ws.api.prod.paradex.trade/v1\n'));
    expect(err.message).toBe('config error: venues.paradex.ws_url = "https://ws.api.prod.paradex.trade/v1": must be a ws:// or wss:// URL');
  });

  it('says a missing required field is required', () => {
    const err = configErrorOf(() => parseConfig('bots:\n  - spread_entry: 0.1\n'));
    expect(err.message).toBe('config error: bots[0].pair = (missing): is required');
  });

  it('refuses an empty bots list and an empty file', () => {
    expect(configErrorOf(() => parseConfig('bots: []\n')).message).toBe('config error: bots = [list of 0]: must list at least one bot');
    expect(configErrorOf(() => parseConfig('')).message).toMatch(/^config error: the config is empty/);
    expect(configErrorOf(() => parseConfig('risk:\n  max_loss_usd: 10\n')).message).toBe('config error: bots = (missing): is required');
  });

  it('reports broken YAML with its line', () => {
    const err = configErrorOf(() => parseConfig('bots: [\n'));
    expect(err.message).toMatch(/^config error: invalid YAML: .* at line 2, column 1$/);
  });

  it('refuses a key written twice (YAML would silently keep one)', () => {
    const err = configErrorOf(() => parseConfig('bots:\n  - pair: BTC-PERP\n    spread_entry: 0.1\n    spread_entry: 0.2\n'));
    expect(err.message).toMatch(/^config error: invalid YAML: Map keys must be unique/);
  });
});

describe('parseConfig: YAML aliases', () => {
  /** Nine levels of nine aliases: 9^9 (387 million) copies of the first list once expanded. */
  const BILLION_LAUGHS = [
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ...'bcdefghi'.split('').map((name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
    'bots: [{ pair: BTC-PERP }]',
    '',
  ].join('\n');

  it('refuses an alias bomb ("billion laughs") at once, in one line that names the problem', () => {
    const started = process.hrtime.bigint();
    const err = configErrorOf(() => parseConfig(BILLION_LAUGHS));
    expect(err.message).toBe(
      `config error: invalid YAML: its aliases expand to more than ${MAX_YAML_ALIAS_COUNT} copies (a "billion laughs" alias bomb?); write the values out or use fewer nested aliases`,
    );
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(5_000); // refused, not expanded
  });

  it('still reads anchors and aliases used the ordinary way', () => {
    const { config } = parseConfig(`
bots:
  - { pair: BTC-PERP, spread_entry: &entry 0.08, position_size: &size 0.002 }
  - { pair: ETH-PERP, spread_entry: *entry, position_size: *size }
  - { pair: SOL-PERP, spread_entry: *entry }
`);
    expect(config.bots.map((b) => [b.spreadEntry, b.positionSize])).toEqual([
      [0.08, 0.002],
      [0.08, 0.002],
      [0.08, 0.001],
    ]);
  });
});

describe('parseConfig: YAML merge keys', () => {
  it('merges a bot\'s settings into the next with `<<`, the keys written beside it winning', () => {
    const { config, warnings, unknownKeys } = parseConfig(`
bots:
  - &btc { pair: BTC-PERP, spread_entry: 0.08, spread_exit: 0.01, position_size: 0.002 }
  - <<: *btc
    pair: ETH-PERP
    position_size: 0.05
`);
    expect(config.bots.map((b) => [b.pair, b.spreadEntry, b.spreadExit, b.positionSize])).toEqual([
      ['BTC-PERP', 0.08, 0.01, 0.002],
      ['ETH-PERP', 0.08, 0.01, 0.05],
    ]);
    // Read as a merge, not as a key named "<<" that would be dropped with its settings.
    expect(warnings).toEqual([]);
    expect(unknownKeys).toEqual([]);
  });

  it('merges a list of maps, the earlier one winning, into a section', () => {
    const { config } = parseConfig(`
bots:
  - &a { pair: BTC-PERP, spread_entry: 0.09 }
  - &b { pair: ETH-PERP, spread_entry: 0.07, spread_exit: 0.02 }
  - { <<: [*a, *b], pair: SOL-PERP }
`);
    expect(config.bots[2]).toMatchObject({ pair: 'SOL-PERP', spreadEntry: 0.09, spreadExit: 0.02 });
  });

  it('still checks what a merge brings in: a bad merged value names the field it lands in', () => {
    const err = configErrorOf(() => parseConfig(`
bots:
  - &btc { pair: BTC-PERP, position_size: 0.002 }
  - { <<: *btc, pair: ETH-PERP, spread_entry: -1 }
`));
    expect(err.message).toContain('bots[1].spread_entry = -1');
  });

  it('merges count toward the alias bound: nested merges of nine aliases each are refused at once', () => {
    const lines = ['m0: &m0 { a: 1, b: 2 }'];
    for (let i = 1; i <= 8; i++) lines.push(`m${i}: &m${i} { <<: [${Array(9).fill(`*m${i - 1}`).join(', ')}], k${i}: 1 }`);
    const started = process.hrtime.bigint();
    const err = configErrorOf(() => parseConfig([...lines, 'bots: [{ pair: BTC-PERP }]', ''].join('\n')));
    expect(err.message).toContain(`aliases expand to more than ${MAX_YAML_ALIAS_COUNT} copies`);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(5_000);
  });
});

describe('parseConfig: durations fit a timer (at most 2^31 - 1 ms)', () => {
  const LIMIT = '(2^31 - 1 ms, about 24.8 days: the longest a timer can wait)';
  const msFields = ['leg_timeout_ms', 'close_backoff_ms', 'sample_ms', 'max_book_age_ms', 'stale_after_ms', 'cooldown_ms'];

  it.each(msFields)('execution.%s: refuses 2^31 ms naming field, value and rule; accepts 2^31 - 1', (field) => {
    const err = configErrorOf(() => parseConfig(`bots: [{ pair: BTC-PERP }]\nexecution:\n  ${field}: 2147483648\n`));
    expect(err.message).toBe(`config error: execution.${field} = 2147483648: must be at most 2147483647 ${LIMIT}`);
    const retries = field === 'close_backoff_ms' ? '\n  close_retries: 1' : '';
    const { config } = parseConfig(`bots: [{ pair: BTC-PERP }]\nexecution:\n  ${field}: 2147483647${retries}\n`);
    expect(Object.values(config.execution)).toContain(2147483647);
  });

  it.each([
    ['risk', 'halt_cooldown_sec', '1e308', '1e+308'],
    ['risk', 'halt_cooldown_sec', '2147484', '2147484'],
    ['api', 'ws_heartbeat_sec', '1e10', '10000000000'],
  ])('%s.%s: refuses %s seconds naming field, value and rule', (sectionName, field, value, shown) => {
    const err = configErrorOf(() => parseConfig(`bots: [{ pair: BTC-PERP }]\n${sectionName}:\n  ${field}: ${value}\n`));
    expect(err.message).toBe(`config error: ${sectionName}.${field} = ${shown}: must be at most 2147483.647 ${LIMIT}`);
  });

  it('accepts halt_cooldown_sec up to the limit, so the halt is journaled with a finite `until`', () => {
    expect(parseConfig('bots: [{ pair: BTC-PERP }]\nrisk:\n  halt_cooldown_sec: 2147483.647\n').config.risk.haltCooldownSec).toBe(2147483.647);
    expect(parseConfig('bots: [{ pair: BTC-PERP }]\nrisk:\n  halt_cooldown_sec: 0\n').config.risk.haltCooldownSec).toBe(0);
  });

  it('refuses a close backoff that, doubled at every retry, outgrows a timer; says which two fields to lower', () => {
    const err = configErrorOf(() => parseConfig('bots: [{ pair: BTC-PERP }]\nexecution:\n  close_retries: 40\n'));
    expect(err.message).toBe(
      'config error: execution.close_backoff_ms = 250: doubled at each of execution.close_retries = 40 retries, the last retry would wait ' +
        `250 · 2^39 ms, more than 2147483647 ms ${LIMIT}; lower close_retries or close_backoff_ms`,
    );
    // 5 retries: the last waits backoff · 2^4.
    expect(() => parseConfig('bots: [{ pair: BTC-PERP }]\nexecution:\n  close_retries: 5\n  close_backoff_ms: 134217727\n')).not.toThrow();
    expect(() => parseConfig('bots: [{ pair: BTC-PERP }]\nexecution:\n  close_retries: 5\n  close_backoff_ms: 134217728\n')).toThrow(ConfigError);
    // No backoff, or no retries, cannot overflow.
    expect(() => parseConfig('bots: [{ pair: BTC-PERP }]\nexecution:\n  close_retries: 1000\n  close_backoff_ms: 0\n')).not.toThrow();
  });
});

describe('parseConfig: unknown keys', () => {
  it('warns about each unknown key with its path and still loads', () => {
    const { config, warnings } = parseConfig(`
bots:
  - pair: BTC-PERP
    spread_entyr: 0.2
risk:
  max_loss: 10
telegram: {}
`);
    expect(config.bots[0]!.spreadEntry).toBe(0.06);
    expect(warnings).toEqual([
      'unknown key bots[0].spread_entyr is ignored (did you mean bots[0].spread_entry?)',
      'unknown key risk.max_loss is ignored (did you mean risk.max_loss_usd?)',
      'unknown key telegram is ignored',
    ]);
  });

  it('suggests the same key in the section it belongs to when it was written in the wrong place', () => {
    const { warnings, unknownKeys } = parseConfig('bots:\n  - pair: BTC-PERP\n    max_loss_usd: 10\nsample_ms: 25\n');
    expect(warnings).toEqual([
      'unknown key bots[0].max_loss_usd is ignored (did you mean risk.max_loss_usd?)',
      'unknown key sample_ms is ignored (did you mean execution.sample_ms?)',
    ]);
    expect(unknownKeys.map((i) => i.path)).toEqual(['bots[0].max_loss_usd', 'sample_ms']);
  });

  it('suggests nothing for a key unlike any known one', () => {
    expect(suggestKey(['risk'], 'telegram_token')).toBeUndefined();
    expect(suggestKey(['venues', 'paradex'], 'encodng')).toBe('venues.paradex.encoding');
    expect(suggestKey(['bots', 2], 'levrage')).toBe('bots[2].leverage');
  });

  it('still reports bad values when unknown keys are present', () => {
    const err = configErrorOf(() => parseConfig('bots:\n  - pair: BTC-PERP\n    leverage: 0\n    extra: 1\n'));
    expect(err.message).toBe('config error: bots[0].leverage = 0: must be an integer from 1 to 100');
  });
});

describe('defaultConfig', () => {
  it('is one BTC-PERP bot between vest and paradex with every default', () => {
    const config = defaultConfig();
    expect(config.bots).toHaveLength(1);
    expect(config.bots[0]).toMatchObject({ pair: 'BTC-PERP', dexA: 'vest', dexB: 'paradex', spreadEntry: 0.06, spreadExit: -0.02 });
    expect(config).toEqual(parseConfig('bots:\n  - pair: BTC-PERP\n').config);
  });
});

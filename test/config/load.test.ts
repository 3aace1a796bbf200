import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, credentialsFromEnv, envSettings } from '../../src/config';
import { loadConfigFile, loadDotEnv, parseDotEnv } from '../../src/config/load';

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'config-load-'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

describe('loadConfigFile', () => {
  it('reads and parses a config file', () => {
    const p = write('config.yaml', 'bots:\n  - pair: ETH-PERP\n    position_size: 0.02\nextra: 1\n');
    const { config, warnings } = loadConfigFile(p);
    expect(config.bots[0]).toMatchObject({ pair: 'ETH-PERP', positionSize: 0.02 });
    expect(warnings).toEqual(['unknown key extra is ignored']);
  });

  it('suggests the key probably meant for a typo, and lists unknown keys for live mode to refuse', () => {
    const p = write('config.yaml', 'bots:\n  - pair: BTC-PERP\n    spread_entyr: 0.10\n');
    const { warnings, unknownKeys } = loadConfigFile(p);
    expect(warnings).toEqual(['unknown key bots[0].spread_entyr is ignored (did you mean bots[0].spread_entry?)']);
    expect(unknownKeys).toEqual([{ path: 'bots[0].spread_entyr', value: '0.1', rule: 'unknown key (did you mean bots[0].spread_entry?)' }]);
  });

  it('names the path of a missing file', () => {
    const p = path.join(dir, 'nope.yaml');
    const err = thrown(() => loadConfigFile(p));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(`config error: cannot read config file ${p}: no such file`);
  });

  it('names the path of an unreadable file (a directory)', () => {
    const err = thrown(() => loadConfigFile(dir));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(`config error: cannot read config file ${dir}: it is a directory`);
  });

  it('prefixes every field error with the file it came from', () => {
    const p = write('bad.yaml', 'bots:\n  - pair: BTC-PERP\n    leverage: 0\n    spread_entry: -1\n');
    const err = thrown(() => loadConfigFile(p)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message.split('\n')).toEqual([
      `config error: ${p}: bots[0].spread_entry = -1: must be > 0 and < 100`,
      `config error: ${p}: bots[0].leverage = 0: must be an integer from 1 to 100`,
    ]);
    expect(err.issues).toHaveLength(2);
    expect(err.source).toBe(p);
  });
});

describe('parseDotEnv', () => {
  it('reads KEY=VALUE lines, export prefixes, comments and quotes', () => {
    const { entries, warnings } = parseDotEnv(
      [
        '# comment',
        '',
        'PLAIN=value',
        'export EXPORTED=1',
        'SPACED = padded  ',
        'INLINE=abc # trailing comment',
        'HASH_IN_VALUE=a#b',
        "SINGLE='literal \\n # not a comment'",
        'DOUBLE="line1\\nline2 \\"quoted\\""',
        'EMPTY=',
        'CRLF=yes\r',
      ].join('\n'),
    );
    expect(warnings).toEqual([]);
    expect(Object.fromEntries(entries)).toEqual({
      PLAIN: 'value',
      EXPORTED: '1',
      SPACED: 'padded',
      INLINE: 'abc',
      HASH_IN_VALUE: 'a#b',
      SINGLE: 'literal \\n # not a comment',
      DOUBLE: 'line1\nline2 "quoted"',
      EMPTY: '',
      CRLF: 'yes',
    });
  });

  it('skips malformed lines with a warning that names the line but not its content', () => {
    const secret = '0x' + 'ab'.repeat(32);
    const { entries, warnings } = parseDotEnv(`GOOD=1\n${secret}\nBROKEN="${secret}\n`);
    expect(Object.fromEntries(entries)).toEqual({ GOOD: '1' });
    expect(warnings).toEqual(['.env line 2: expected KEY=VALUE, line ignored', '.env line 3: BROKEN has an unterminated quote, line ignored']);
    expect(warnings.join('\n')).not.toContain(secret);
  });
});

describe('loadDotEnv', () => {
  it('sets variables that are not already set and keeps the ones that are', () => {
    const p = write('.env', 'VEST_ACCOUNT_GROUP=2\nRUST_LOG=debug\n');
    const env: Record<string, string | undefined> = { RUST_LOG: 'warn' };
    const result = loadDotEnv(p, env);
    expect(env).toEqual({ VEST_ACCOUNT_GROUP: '2', RUST_LOG: 'warn' });
    expect(result).toEqual({ found: true, applied: ['VEST_ACCOUNT_GROUP'], kept: ['RUST_LOG'], warnings: [] });
  });

  it('treats a missing .env as empty (variables may come from the real environment)', () => {
    const env: Record<string, string | undefined> = {};
    expect(loadDotEnv(path.join(dir, '.env'), env)).toEqual({ found: false, applied: [], kept: [], warnings: [] });
    expect(env).toEqual({});
  });

  it('refuses a missing file the user named, naming its path', () => {
    const missing = path.join(dir, 'prod.env');
    const err = thrown(() => loadDotEnv(missing, {}, { required: true }));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(`config error: cannot read env file ${missing}: no such file`);
  });

  it('names the path of an unreadable .env', () => {
    const err = thrown(() => loadDotEnv(dir, {}));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(`config error: cannot read env file ${dir}: it is a directory`);
  });

  it('defaults to process.env', () => {
    const name = `CONFIG_LOAD_TEST_${process.pid}`;
    const p = write('.env', `${name}=from-file\n`);
    try {
      loadDotEnv(p);
      expect(process.env[name]).toBe('from-file');
    } finally {
      delete process.env[name];
    }
  });
});

describe('.env.example', () => {
  const ROOT = path.resolve(__dirname, '../..');
  const text = fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8');

  it('lists every variable the bot reads, and parses without a warning', () => {
    const source = fs.readFileSync(path.join(ROOT, 'src/config/env.ts'), 'utf8');
    // Every quoted variable name the config code reads from an environment map.
    const read = new Set([...source.matchAll(/(?:env\[|read\(\s*|parseBool\(env, )'([A-Z][A-Z0-9_]+)'|^\s*'([A-Z][A-Z0-9_]+)',$/gm)].map((m) => m[1] ?? m[2]));
    const { entries, warnings } = parseDotEnv(text);
    expect(warnings).toEqual([]);
    expect([...entries.keys()].sort()).toEqual([...read].sort());
  });

  it('holds no value for any key: copied as it is, live mode names what is missing', () => {
    const { entries } = parseDotEnv(text);
    for (const name of ['VEST_PRIMARY_ADDR', 'VEST_PRIMARY_KEY', 'VEST_SIGNING_KEY', 'VEST_API_KEY', 'PARADEX_PRIVATE_KEY', 'PARADEX_ACCOUNT_ADDRESS']) {
      expect(entries.get(name)).toBe('');
    }
    const env = Object.fromEntries(entries);
    expect(() => envSettings(env)).not.toThrow();
    const err = thrown(() => credentialsFromEnv(env));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues.map((i) => i.path).sort()).toEqual(['PARADEX_ACCOUNT_ADDRESS', 'PARADEX_PRIVATE_KEY', 'VEST_PRIMARY_ADDR', 'VEST_PRIMARY_KEY', 'VEST_SIGNING_KEY']);
  });
});

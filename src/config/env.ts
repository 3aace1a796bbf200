/**
 * The environment (`.env` or the process's own): non-secret settings (hosts, account group, log level
 * and format) and the live credentials. Pure: an env map in, typed values out; messages name the
 * variable and never print a secret's value. Loading a .env file lives in load.ts.
 */
import { isPrivateKey } from '../domain/keys';
import { ConfigError, type ConfigIssue } from './errors';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogFormat = 'json' | 'pretty';

export interface EnvSettings {
  readonly vestProduction: boolean;
  readonly paradexProduction: boolean;
  /** VEST_ACCOUNT_GROUP when set. */
  readonly vestAccountGroup: number | undefined;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
}

export interface VestCredentials {
  readonly primaryAddr: `0x${string}`;
  /** Needed to /register for an API key; optional when VEST_API_KEY is given. */
  readonly primaryKey: `0x${string}` | undefined;
  readonly signingKey: `0x${string}`;
  readonly apiKey: string | undefined;
  /** VEST_PRODUCTION: prod (true) or dev hosts and verifying contract. */
  readonly production: boolean;
  /** VEST_ACCOUNT_GROUP (default 0). */
  readonly accountGroup: number;
}

export interface ParadexCredentials {
  readonly privateKey: `0x${string}`;
  readonly accountAddress: `0x${string}`;
  /** PARADEX_PRODUCTION: prod (true) or testnet. */
  readonly production: boolean;
}

/** What live mode needs to trade on both venues. */
export interface VenueCredentials {
  readonly vest: VestCredentials;
  readonly paradex: ParadexCredentials;
}

type Env = Readonly<Record<string, string | undefined>>;

const LEVEL_RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/**
 * RUST_LOG (tracing EnvFilter syntax) to our level: 'debug', 'hft_bot=debug,info', 'trace' (-> debug).
 * The most verbose level named anywhere wins. A bare target ('hft_bot') enables everything, as in EnvFilter.
 */
export function logLevelFromRustLog(value: string | undefined): LogLevel {
  if (value === undefined || value.trim() === '') return 'info';
  let best: LogLevel | undefined;
  let sawOff = false;
  for (const directive of value.split(',')) {
    const d = directive.trim();
    if (d === '') continue;
    const eq = d.lastIndexOf('=');
    const word = (eq >= 0 ? d.slice(eq + 1) : d).trim().toLowerCase();
    const level = rustLevel(word, eq < 0);
    if (level === 'off') sawOff = true;
    else if (best === undefined || LEVEL_RANK[level] > LEVEL_RANK[best]) best = level;
  }
  return best ?? (sawOff ? 'error' : 'info');
}

function rustLevel(word: string, bare: boolean): LogLevel | 'off' {
  switch (word) {
    case 'error':
    case 'warn':
    case 'info':
    case 'debug':
      return word;
    case 'trace':
      return 'debug';
    case 'off':
      return 'off';
    default:
      // A bare non-level word is a target name (all levels); after '=' an unknown level is ignored as EnvFilter does.
      return bare ? 'debug' : 'info';
  }
}

function parseBool(env: Env, name: string, fallback: boolean, issues: ConfigIssue[]): boolean {
  const v = env[name]?.trim().toLowerCase();
  if (v === undefined || v === '') return fallback;
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  issues.push({ path: name, value: JSON.stringify(env[name]), rule: 'must be true or false' });
  return fallback;
}

/** Non-secret settings from the environment. Throws ConfigError naming each bad variable. */
export function envSettings(env: Env): EnvSettings {
  const issues: ConfigIssue[] = [];
  const vestProduction = parseBool(env, 'VEST_PRODUCTION', true, issues);
  const paradexProduction = parseBool(env, 'PARADEX_PRODUCTION', true, issues);
  let vestAccountGroup: number | undefined;
  const group = env['VEST_ACCOUNT_GROUP']?.trim();
  if (group !== undefined && group !== '') {
    if (/^\d{1,6}$/.test(group)) vestAccountGroup = Number(group);
    else issues.push({ path: 'VEST_ACCOUNT_GROUP', value: JSON.stringify(group), rule: 'must be an integer >= 0' });
  }
  const format = env['LOG_FORMAT']?.trim().toLowerCase();
  let logFormat: LogFormat = 'json';
  if (format === 'pretty' || format === 'json') logFormat = format;
  else if (format !== undefined && format !== '') issues.push({ path: 'LOG_FORMAT', value: JSON.stringify(env['LOG_FORMAT']), rule: "must be 'json' or 'pretty'" });
  if (issues.length > 0) throw new ConfigError(issues);
  return { vestProduction, paradexProduction, vestAccountGroup, logLevel: logLevelFromRustLog(env['RUST_LOG']), logFormat };
}

/** Starknet field prime: an account address must be below it. */
const STARK_PRIME = 0x0800000000000011000000000000000000000000000000000000000000000001n;

function describeSecret(value: string): string {
  return `<redacted, ${value.length} characters>`;
}

/** Accepts with or without 0x; returns lowercase 0x-prefixed. */
function hexOf(value: string, digits: number | [number, number]): `0x${string}` | undefined {
  const body = value.startsWith('0x') || value.startsWith('0X') ? value.slice(2) : value;
  const [min, max] = typeof digits === 'number' ? [digits, digits] : digits;
  if (body.length < min || body.length > max || !/^[0-9a-fA-F]+$/.test(body)) return undefined;
  return `0x${body.toLowerCase()}`;
}

/** Reads one variable: undefined when absent (an issue when required) or malformed (an issue naming its shape). */
type EnvRead = <T>(name: string, parse: (raw: string) => T | undefined, shape: string, required: boolean) => T | undefined;

function envReader(env: Env, issues: ConfigIssue[]): EnvRead {
  return (name, parse, shape, required) => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') {
      if (required) issues.push({ path: name, value: '(missing)', rule: `is required: ${shape}` });
      return undefined;
    }
    const parsed = parse(raw);
    if (parsed === undefined) issues.push({ path: name, value: describeSecret(raw), rule: `must be ${shape}` });
    return parsed;
  };
}

// Keys are checked as curve scalars here, before a signing library sees them: a library's own
// refusal prints the key's value in its message.
function secpKey(v: string): `0x${string}` | undefined {
  const key = hexOf(v, 64);
  return key !== undefined && isPrivateKey(key, 'secp256k1') ? key : undefined;
}
const SECP_SHAPE = 'a secp256k1 private key: 0x followed by 64 hex digits, non-zero, below the curve order';

function starkKey(v: string): `0x${string}` | undefined {
  const key = hexOf(v, [1, 64]);
  return key !== undefined && isPrivateKey(key, 'stark') ? key : undefined;
}

function starknetAddress(v: string): `0x${string}` | undefined {
  const address = hexOf(v, [1, 64]);
  return address !== undefined && BigInt(address) > 0n && BigInt(address) < STARK_PRIME ? address : undefined;
}

function settingsOrIssues(env: Env, issues: ConfigIssue[]): EnvSettings | undefined {
  try {
    return envSettings(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    issues.push(...err.issues);
    return undefined;
  }
}

/**
 * Typed, validated credentials for live trading on both venues. Throws ConfigError listing every
 * missing or malformed variable; messages name the variable and never print a secret's value.
 */
export function credentialsFromEnv(env: Env): VenueCredentials {
  const issues: ConfigIssue[] = [];
  const settings = settingsOrIssues(env, issues);
  const read = envReader(env, issues);
  const apiKey = read('VEST_API_KEY', (v) => (/^\S+$/.test(v) ? v : undefined), 'a single token without spaces', false);
  const primaryAddr = read('VEST_PRIMARY_ADDR', (v) => hexOf(v, 40), 'an address: 0x followed by 40 hex digits', true);
  // With an API key already issued, the primary (funds) key need not sit on this machine.
  const primaryKey = read('VEST_PRIMARY_KEY', secpKey, SECP_SHAPE, apiKey === undefined);
  const signingKey = read('VEST_SIGNING_KEY', secpKey, SECP_SHAPE, true);
  const privateKey = read('PARADEX_PRIVATE_KEY', starkKey, 'a Stark private key: 0x followed by up to 64 hex digits, non-zero, below the curve order', true);
  const accountAddress = read(
    'PARADEX_ACCOUNT_ADDRESS',
    starknetAddress,
    'the Paradex account (Starknet) address: 0x followed by up to 64 hex digits',
    true,
  );
  if (issues.length > 0 || !settings || !primaryAddr || !signingKey || !privateKey || !accountAddress) throw new ConfigError(issues);
  return {
    vest: {
      primaryAddr,
      primaryKey,
      signingKey,
      apiKey,
      production: settings.vestProduction,
      accountGroup: settings.vestAccountGroup ?? 0,
    },
    paradex: { privateKey, accountAddress, production: settings.paradexProduction },
  };
}

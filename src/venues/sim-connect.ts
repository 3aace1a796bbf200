/**
 * Sim mode against simulated venues that run in another process (`npm run venues`), so they outlive
 * the bot: what the process needs to reach them, and to be the same account again after a restart.
 *
 * - The URLs are exactly the JSON line `npm run venues` prints (an `admin` field, when present, is
 *   ignored here: it is the campaign's, not the bot's).
 * - The simulated venues know accounts by key, so a restarted bot must sign with the same throwaway
 *   keys: they are created once and kept in `sim-keys.json` beside the journal (mode 0600). They are
 *   never printed; a malformed file is refused naming the field, never its value.
 *
 * One function builds both venue clients from the URLs and keys: the run uses it, and any command
 * that must read the same accounts (a `resume` that checks the venues, the campaign) reuses it.
 */
import type { FrameRecorder } from './recording';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, type ConfigIssue } from '../config/errors';
import { privateKeyProblem } from '../domain/keys';
import type { VenueId } from '../domain/market';
import type { VenueLogger } from './http';
import { newParadexAccount } from './paradex/signing';
import { createParadexVenue, type ParadexVenue } from './paradex/venue';
import { newVestKeys } from './vest/signing';
import { createVestVenue, type VestVenue } from './vest/venue';
import type { Venue } from './venue';

type Hex = `0x${string}`;

export interface SimVenueUrls {
  readonly paradex: { readonly rest: string; readonly ws: string };
  readonly vest: { readonly rest: string; readonly ws: string };
}

/** Throwaway keys of one bot's accounts at the simulated venues. */
export interface SimKeys {
  readonly paradex: { readonly address: string; readonly privateKey: string };
  readonly vest: { readonly primaryKey: Hex; readonly signingKey: Hex };
}

/** The file, inside the journal directory, that holds the sim keys. */
export const SIM_KEYS_FILE = 'sim-keys.json';

/**
 * Reads `--venues`: the JSON itself (what `npm run venues` prints) or the path of a file holding it.
 * Throws a ConfigError naming the field and the rule.
 */
export function parseSimVenueUrls(arg: string): SimVenueUrls {
  const source = '--venues';
  const trimmed = arg.trim();
  let text = trimmed;
  if (!trimmed.startsWith('{')) {
    try {
      text = fs.readFileSync(trimmed, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read ${JSON.stringify(trimmed)} (${(err as NodeJS.ErrnoException).code ?? 'error'}); pass the JSON line \`npm run venues\` prints, or a file holding it`, source);
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError('not valid JSON; pass the JSON line `npm run venues` prints, or a file holding it', source);
  }
  const issues: ConfigIssue[] = [];
  const url = (venue: 'paradex' | 'vest', kind: 'rest' | 'ws'): string => {
    const raw = (value as Record<string, Record<string, unknown> | undefined> | null)?.[venue]?.[kind];
    const schemes = kind === 'rest' ? ['http:', 'https:'] : ['ws:', 'wss:'];
    let ok = false;
    if (typeof raw === 'string') {
      try {
        ok = schemes.includes(new URL(raw).protocol);
      } catch {
        ok = false;
      }
    }
    if (!ok) issues.push({ path: `${venue}.${kind}`, value: raw === undefined ? '(missing)' : JSON.stringify(raw), rule: `must be a ${schemes.map((s) => s.slice(0, -1)).join('/')} URL` });
    return typeof raw === 'string' ? raw : '';
  };
  const urls: SimVenueUrls = {
    paradex: { rest: url('paradex', 'rest'), ws: url('paradex', 'ws') },
    vest: { rest: url('vest', 'rest'), ws: url('vest', 'ws') },
  };
  if (issues.length > 0) throw new ConfigError(issues, source);
  return urls;
}

/** New throwaway keys (the embedded sim: its venues, and so its accounts, end with the process). */
export function newSimKeys(): SimKeys {
  const pdx = newParadexAccount();
  const vest = newVestKeys();
  return { paradex: { address: pdx.address, privateKey: pdx.privateKey }, vest: { primaryKey: vest.primaryKey, signingKey: vest.signingKey } };
}

/** The keys in `dir`/sim-keys.json; a ConfigError when there are none (nothing traded from this folder). */
export function loadSimKeys(dir: string): SimKeys {
  const file = path.join(dir, SIM_KEYS_FILE);
  if (!fs.existsSync(file)) throw new ConfigError(`no ${SIM_KEYS_FILE} here: no bot traded on simulated venues with this journal directory`, dir);
  return loadOrCreateSimKeys(dir);
}

/** The keys in `dir`/sim-keys.json; new throwaway keys, written there first, when there are none. */
export function loadOrCreateSimKeys(dir: string): SimKeys {
  const file = path.join(dir, SIM_KEYS_FILE);
  let text: string | undefined;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfigError(`cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`, file);
  }
  if (text !== undefined) return readSimKeys(text, file);
  const keys = newSimKeys();
  writeKeysFile(file, keys);
  return keys;
}

function readSimKeys(text: string, file: string): SimKeys {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError('not valid JSON (delete it to start with new accounts, which do not hold the old positions)', file);
  }
  const v = value as { paradex?: Record<string, unknown>; vest?: Record<string, unknown> } | null;
  const issues: ConfigIssue[] = [];
  // Values are never shown: they are keys. Checked as curve scalars here, before a signing library
  // sees them (a library's error would print the key).
  const check = (field: string, raw: unknown, problemOf: (s: string) => string | undefined): string => {
    const problem = typeof raw === 'string' ? problemOf(raw) : 'is missing';
    if (problem !== undefined) issues.push({ path: field, value: raw === undefined ? '(missing)' : '<redacted>', rule: problem });
    return typeof raw === 'string' ? raw : '';
  };
  const address = check('paradex.address', v?.paradex?.address, (s) => (/^0x[0-9a-fA-F]{1,64}$/.test(s) ? undefined : 'must be 0x and up to 64 hex digits'));
  const privateKey = check('paradex.privateKey', v?.paradex?.privateKey, (s) => (s.startsWith('0x') ? privateKeyProblem(s, 'stark') : 'must start with 0x'));
  const secp = (s: string): string | undefined => (/^0x[0-9a-fA-F]{64}$/.test(s) ? privateKeyProblem(s, 'secp256k1') : 'must be 0x and 64 hex digits');
  const primaryKey = check('vest.primaryKey', v?.vest?.primaryKey, secp);
  const signingKey = check('vest.signingKey', v?.vest?.signingKey, secp);
  if (issues.length > 0) throw new ConfigError(issues, file);
  return { paradex: { address, privateKey }, vest: { primaryKey: primaryKey as Hex, signingKey: signingKey as Hex } };
}

/** Created with O_EXCL, mode 0600, fsynced: two processes never overwrite each other's keys. */
function writeKeysFile(file: string, keys: SimKeys): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const body = {
    note: 'Throwaway keys of this bot at the simulated venues (npm run venues). Never fund them; never reuse them live.',
    ...keys,
  };
  const fd = fs.openSync(file, 'wx', 0o600);
  try {
    fs.writeSync(fd, `${JSON.stringify(body, null, 2)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export interface SimClientOptions {
  readonly paradexEncoding?: 'sbe' | 'json';
  /** Book-feed settings both venues take: stale after this long without updates, or lagging the venue's clock by more. */
  readonly feedOptions?: { readonly staleAfterMs?: number; readonly maxLagMs?: number; readonly recorder?: FrameRecorder };
  readonly logger?: VenueLogger;
  /** Vest's client-id windows (VestVenueOptions.rememberedClientIds); default there. */
  readonly vestClientIdsKept?: number;
}

/**
 * The real Paradex and Vest clients, signing with the sim keys, pointed at simulated venues. New
 * accounts are onboarded (Paradex) and registered (Vest) on first use; both are idempotent.
 */
export function createSimVenueClients(urls: SimVenueUrls, keys: SimKeys, opts: SimClientOptions = {}): Record<VenueId, Venue> & { paradex: ParadexVenue; vest: VestVenue } {
  const paradex = createParadexVenue({
    restUrl: urls.paradex.rest,
    wsUrl: urls.paradex.ws,
    account: { address: keys.paradex.address, privateKey: keys.paradex.privateKey },
    onboard: true,
    ...(opts.paradexEncoding !== undefined ? { encoding: opts.paradexEncoding } : {}),
    ...(opts.feedOptions !== undefined ? { bookFeedOptions: { ...opts.feedOptions } } : {}),
    ...(opts.logger !== undefined ? { logger: opts.logger } : {}),
  });
  const vest = createVestVenue({
    restUrl: urls.vest.rest,
    wsUrl: urls.vest.ws,
    keys: { primaryKey: keys.vest.primaryKey, signingKey: keys.vest.signingKey },
    ...(opts.vestClientIdsKept !== undefined ? { rememberedClientIds: opts.vestClientIdsKept } : {}),
    ...(opts.feedOptions !== undefined ? { bookFeedOptions: { ...opts.feedOptions } } : {}),
    ...(opts.logger !== undefined ? { logger: opts.logger } : {}),
  });
  return { paradex, vest };
}

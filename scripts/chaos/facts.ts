/**
 * What a trial left, read as a client would: both venues' positions through the real clients with
 * the bot's own keys (after every order still queued or held at the venues has settled), the journal
 * folded as the bot folds it, and every output and file of the trial searched for the keys in use.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { deriveState, parseJournal } from '../../src/execution/journal';
import { createSimVenueClients, loadOrCreateSimKeys, SIM_KEYS_FILE, type SimKeys, type SimVenueUrls } from '../../src/venues/sim-connect';
import { journalView, type Holdings, type JournalView, type TrialFacts } from './classify';
import { PAIR, SYMBOLS, type TrialDriver } from './driver';
import { containsSecret, hexKeysIn, secretNeedles } from './secrets';


function readKeys(journalDir: string): { keys: SimKeys | undefined; text: string } {
  const file = path.join(journalDir, SIM_KEYS_FILE);
  if (!fs.existsSync(file)) return { keys: undefined, text: '' };
  const text = fs.readFileSync(file, 'utf8');
  try {
    return { keys: loadOrCreateSimKeys(journalDir), text };
  } catch {
    return { keys: undefined, text };
  }
}

async function holdings(urls: SimVenueUrls, keys: SimKeys): Promise<Holdings | { error: string }> {
  const clients = createSimVenueClients(urls, keys);
  try {
    const [vest, paradex] = await Promise.all([clients.vest.positions(), clients.paradex.positions()]);
    const sum = (list: readonly { symbol: string; size: number }[], symbol: string): number =>
      list.filter((p) => p.symbol === symbol).reduce((s, p) => s + p.size, 0);
    return { vest: sum(vest, SYMBOLS.vest), paradex: sum(paradex, SYMBOLS.paradex) };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  } finally {
    await Promise.all([clients.vest.close(), clients.paradex.close()]);
  }
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    // A link (runs/latest) points at a folder walked anyway.
    if (entry.isDirectory()) out.push(...filesUnder(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

export async function gatherFacts(d: TrialDriver): Promise<TrialFacts> {
  // Whatever is still queued or held at the venues settles now: the state at rest, orders in flight included.
  for (const venue of ['paradex', 'vest'] as const) await d.knob(`trading.${venue}.releaseAll`);
  await d.slot.admin.reset();
  const { keys, text: keysText } = readKeys(d.at.journalDir);
  const venues = keys === undefined ? undefined : await holdings(d.slot.urls, keys);
  d.trace(`venues: ${venues === undefined ? 'no account' : 'error' in venues ? `unreadable (${venues.error})` : `vest ${venues.vest}, paradex ${venues.paradex}`}`);
  let journal: JournalView | undefined;
  if (fs.existsSync(d.at.journalFile)) {
    const parsed = parseJournal(fs.readFileSync(d.at.journalFile, 'utf8'));
    journal = journalView(deriveState(parsed.entries, PAIR), parsed.corrupt.length);
  }
  const needles = secretNeedles(hexKeysIn(keysText));
  const secrets: string[] = [];
  for (const run of d.runs) {
    if (containsSecret(run.stdout, needles)) secrets.push(`${run.label} run stdout`);
    if (containsSecret(run.stderr, needles)) secrets.push(`${run.label} run stderr`);
  }
  const keysFile = path.join(d.at.journalDir, SIM_KEYS_FILE);
  for (const file of filesUnder(d.at.dir)) {
    if (file === keysFile) continue;
    if (containsSecret(fs.readFileSync(file, 'latin1'), needles)) secrets.push(path.relative(d.at.dir, file));
  }
  return {
    runs: d.runs,
    venues,
    journal,
    secrets,
    ...(d.notReached !== undefined ? { notReached: d.notReached } : {}),
    ...(d.harnessError !== undefined ? { harnessError: d.harnessError } : {}),
    ...(d.notes.length > 0 ? { notes: [...d.notes] } : {}),
  };
}


/**
 * A short seeded slice of `npm run chaos` inside npm test: the same code (build, venues processes,
 * the real CLI as a child, restart, reading the venues) on four cases:
 *   - kill -9 while closing, before the venues execute the close orders (Paradex answered them NEW and
 *     settles them after the bot died: the kill lands between the POST and the fill); the restart
 *     must find them by client id, see the position closed and journal it;
 *   - kill -9 with only one entry leg able to execute, before it executes (issue 10 point 1: the
 *     restart must finish the entry or unwind the lone leg);
 *   - an order executed whose answer never comes: the executor finds it by client id;
 *   - a bad flag: exit 2 naming it.
 * The full campaign covers the rest; add a case's key here when it should be guarded in npm test.
 */
import * as path from 'node:path';
import { runCampaign } from '../../scripts/chaos/campaign';
import { report, summarize } from '../../scripts/chaos/table';

const SLICE = ['kill/SIGKILL/closing/before-exec', 'kill/SIGKILL/entry-leg1/before-exec', 'order-fault/timeout-after-exec/paradex', 'bad-input/flag'];

describe('npm run chaos, a seeded slice', () => {
  it('ends every trial flat or hedged and monitored, with no crash, hang or secret', async () => {
    const { results, wallMs } = await runCampaign({ seed: 1, trials: SLICE.length, concurrency: SLICE.length, only: SLICE, root: path.resolve(__dirname, '../..') });
    const text = report(results, { seed: 1, wallMs, concurrency: SLICE.length });
    const s = summarize(results);
    expect(new Set(results.map((r) => r.trial.key))).toEqual(new Set(SLICE));
    // The report is the failure message: it names each bad trial's stage, fault and what was left.
    expect({ bad: s.bad, inconclusive: s.inconclusive, campaignErrors: s.harnessErrors, report: text }).toEqual({ bad: 0, inconclusive: 0, campaignErrors: 0, report: text });
    expect(s.flatOrMonitored).toBe(SLICE.length);
  }, 240_000);
});

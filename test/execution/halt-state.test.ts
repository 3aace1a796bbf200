import { openJournal } from '../../src/execution/journal';
import { cleanUp, journals, opportunity, PAIR, rig, types } from './executor-rig';

afterEach(cleanUp);

describe('executor: a halt cleared by an operator from another process', () => {
  it('is picked up by the running executor, which trades again', async () => {
    const r = rig();
    r.vest.holdings.set('BTC-PERP', 0.02); // unknown exposure: halted for an operator
    expect((await r.exec.openPosition(opportunity(r))).ok).toBe(false);
    expect(r.exec.isHalted()).toBe(true);
    expect(r.exec.pollOperatorResume()).toEqual([]);

    r.vest.holdings.set('BTC-PERP', 0); // the operator fixed the venue, then ran `resume`
    const command = openJournal(r.journalPath);
    journals.push(command);
    command.append({ kind: 'resumed', pair: PAIR, time: r.clock.now, operator: true });

    expect(types(r.exec.pollOperatorResume())).toEqual(['TRADING_RESUMED']);
    expect(r.exec.isHalted()).toBe(false);
    expect((await r.exec.openPosition(opportunity(r))).ok).toBe(true);
  });
});

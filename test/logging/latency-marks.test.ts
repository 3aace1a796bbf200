import diagnosticsChannel from 'node:diagnostics_channel';
import { LATENCY_CHANNEL, markFrame, type FrameMark } from '../../src/logging/latency-marks';

describe('latency marks', () => {
  it('publish each frame mark, synchronously, to whoever subscribes to the channel, and nothing once they leave', () => {
    const got: FrameMark[] = [];
    const listener = (m: unknown): void => {
      got.push(m as FrameMark);
    };
    diagnosticsChannel.subscribe(LATENCY_CHANNEL, listener);
    markFrame('frame', 'vest', 'BTC-PERP');
    // Delivered within the call: a listener's clock read is the mark's time.
    expect(got).toEqual([{ kind: 'frame', venue: 'vest', symbol: 'BTC-PERP' }]);
    markFrame('handled', 'vest', 'BTC-PERP');
    diagnosticsChannel.unsubscribe(LATENCY_CHANNEL, listener);
    markFrame('frame', 'paradex', 'BTC-USD-PERP');
    expect(got).toEqual([
      { kind: 'frame', venue: 'vest', symbol: 'BTC-PERP' },
      { kind: 'handled', venue: 'vest', symbol: 'BTC-PERP' },
    ]);
    expect(diagnosticsChannel.hasSubscribers(LATENCY_CHANNEL)).toBe(false);
  });
});

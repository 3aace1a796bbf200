import { grownResources } from './handle-probe-env';

describe('the handle probe', () => {
  it('names the resource types a test file ended with more of than it started with', () => {
    expect(grownResources({ Timeout: 2, PipeWrap: 4 }, { Timeout: 2, PipeWrap: 4 })).toEqual({});
    expect(grownResources({ Timeout: 2 }, { Timeout: 1, TCPServerWrap: 1, ProcessWrap: 1 })).toEqual({ TCPServerWrap: [0, 1], ProcessWrap: [0, 1] });
    expect(grownResources({ TCPSocketWrap: 1 }, { TCPSocketWrap: 3 })).toEqual({ TCPSocketWrap: [1, 3] });
  });
});

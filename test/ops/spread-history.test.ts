import { SpreadHistory } from '../../src/ops/spread-history';

describe('SpreadHistory (the dashboard chart on opening)', () => {
  it('keeps one point per step, the latest sample of the step', () => {
    const h = new SpreadHistory(10, 1000);
    h.add([1000, 0.1, -0.2, null]);
    h.add([1400, 0.2, -0.3, null]);
    h.add([2100, 0.3, -0.4, -0.1]);
    expect(h.list()).toEqual([
      [1400, 0.2, -0.3, null],
      [2100, 0.3, -0.4, -0.1],
    ]);
  });

  it('stays bounded: only the last `capacity` points, oldest first', () => {
    const h = new SpreadHistory(3, 1000);
    for (let i = 0; i < 10; i++) h.add([i * 1000, i, null, null]);
    expect(h.list().map((p) => p[0])).toEqual([7000, 8000, 9000]);
  });

  it('hands out a copy (a caller cannot change the history)', () => {
    const h = new SpreadHistory();
    h.add([0, 1, 1, null]);
    h.list().pop();
    expect(h.list()).toHaveLength(1);
  });
});

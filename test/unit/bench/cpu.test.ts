import { postgresTicksBetween, type PostgresSample } from '../../../bench/lib/cpu';

const sample = (ticks: Record<number, number>, reaped = 0): PostgresSample => ({
  ticks: new Map(Object.entries(ticks).map(([pid, t]) => [Number(pid), t])),
  reaped,
});

describe('postgresTicksBetween', () => {
  it('counts what the processes alive at both ends used in between', () => {
    expect(postgresTicksBetween(sample({ 10: 100, 11: 50 }), sample({ 10: 130, 11: 55 }))).toBe(35);
  });

  it('counts a backend started during the window from zero', () => {
    expect(postgresTicksBetween(sample({ 10: 100 }), sample({ 10: 110, 12: 40 }))).toBe(50);
  });

  it('counts a backend that exited during the window through the postmaster, less what it had used before', () => {
    // Pid 11 had used 50 ticks when the window began and 80 when it exited (reaped: +80).
    expect(postgresTicksBetween(sample({ 10: 100, 11: 50 }, 1000), sample({ 10: 110 }, 1080))).toBe(10 + 30);
  });

  it('counts a process that started and exited within the window whole', () => {
    expect(postgresTicksBetween(sample({ 10: 100 }, 1000), sample({ 10: 100 }, 1025))).toBe(25);
  });
});

import { prettyWanted } from '../../src/logger';

describe('log format', () => {
  it('is readable on a terminal and JSON elsewhere by default; pretty needs pino-pretty installed', () => {
    expect(prettyWanted('auto', true, true)).toBe(true);
    expect(prettyWanted('auto', false, true)).toBe(false);
    expect(prettyWanted('json', true, true)).toBe(false);
    expect(prettyWanted('pretty', false, true)).toBe(true);
    expect(prettyWanted('pretty', true, false)).toBe(false);
  });
});

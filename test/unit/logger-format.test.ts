import { describe, expect, it } from 'vitest';
import { logFormat } from '../../src/observability/logger.js';

describe("the platform's own log format", () => {
  it('is readable lines on a terminal and JSON anywhere else, unless DBTOOLS_LOG_FORMAT says', () => {
    expect(logFormat({}, true)).toBe('pretty');
    expect(logFormat({}, false)).toBe('json');
    expect(logFormat({ DBTOOLS_LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(logFormat({ DBTOOLS_LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
    expect(logFormat({ DBTOOLS_LOG_FORMAT: 'yaml' }, false)).toBe('json');
  });
});

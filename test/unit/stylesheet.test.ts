import { readFile } from 'node:fs/promises';
import postcss from 'postcss';
import { describe, expect, it } from 'vitest';

describe('the console stylesheet', () => {
  it('parses whole: an unclosed block would silently drop every rule after it', async () => {
    const css = await readFile(new URL('../../web/src/styles.css', import.meta.url), 'utf8');
    const root = postcss.parse(css);
    const selectors = new Set<string>();
    root.walkRules((rule) => void selectors.add(rule.selector));
    // The last sections of the file (the logs viewer) are top-level rules, not swallowed by a block above.
    expect(selectors).toContain('.log-line');
    expect(root.nodes.some((n) => n.type === 'rule' && n.selector === '.log-filters .filter-grid')).toBe(true);
  });
});

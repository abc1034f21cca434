import { describe, expect, it } from 'vitest';
import { parsePorcelainV2, PorcelainV2Reader } from '../../src/git/porcelain.js';

const OID = 'f457c90e1d2b0a9c8e7f6a5b4c3d2e1f0a9b8c7d';
const H = '0123456789abcdef0123456789abcdef01234567';

/** What `git status --porcelain=v2 --branch -z` prints, record by record. */
const records = [
  `# branch.oid ${OID}`,
  '# branch.head 17.0',
  '# branch.upstream origin/17.0',
  '# branch.ab +0 -2',
  `1 .M N... 100644 100644 100644 ${H} ${H} addons/web/static/src/list renderer.js`,
  `1 A. N... 000000 100644 100644 ${'0'.repeat(40)} ${H} odoo/new_module/__init__.py`,
  `2 R. N... 100644 100644 100644 ${H} ${H} R100 addons/sale/models/sale_order_new.py`,
  'addons/sale/models/sale_order.py',
  `u UU N... 100644 100644 100644 100644 ${H} ${H} ${H} odoo/release.py`,
  '? web_studio/static/src/hotfix 4711.js',
  '! addons/web/__pycache__/x.pyc',
];

describe('porcelain v2 parser', () => {
  it('counts modified, added, renamed, unmerged and untracked entries but not ignored ones', () => {
    const status = parsePorcelainV2(records.join('\0') + '\0', 10);
    expect(status).toEqual({
      oid: OID,
      branch: '17.0',
      count: 5,
      paths: [
        'addons/web/static/src/list renderer.js',
        'odoo/new_module/__init__.py',
        'addons/sale/models/sale_order_new.py',
        'odoo/release.py',
        'web_studio/static/src/hotfix 4711.js',
      ],
    });
  });

  it('keeps only the first few paths while counting them all', () => {
    const untracked = Array.from({ length: 12 }, (_, i) => `? build/file-${i}.js`);
    const status = parsePorcelainV2([`# branch.oid ${OID}`, ...untracked].join('\0') + '\0', 3);
    expect(status.count).toBe(12);
    expect(status.paths).toEqual(['build/file-0.js', 'build/file-1.js', 'build/file-2.js']);
  });

  it('reads the same status whatever the chunks the stream is cut into', () => {
    const text = records.join('\0') + '\0';
    const whole = parsePorcelainV2(text, 10);
    for (const size of [1, 3, 7, 64]) {
      const reader = new PorcelainV2Reader(10);
      for (let i = 0; i < text.length; i += size) reader.push(text.slice(i, i + size));
      expect(reader.end(), `chunks of ${size}`).toEqual(whole);
    }
  });

  it('reads a clean checkout on a detached HEAD as no branch and no changes', () => {
    expect(parsePorcelainV2(`# branch.oid ${OID}\0# branch.head (detached)\0`)).toEqual({
      oid: OID,
      branch: null,
      count: 0,
      paths: [],
    });
  });

  it('reads a repository without a commit as no commit', () => {
    expect(parsePorcelainV2('# branch.oid (initial)\0# branch.head main\0? README.md\0').oid).toBeNull();
  });

  it('does not take a rename’s original path for a change of its own', () => {
    const rename = `2 R. N... 100644 100644 100644 ${H} ${H} R100 new name.py\0? old.py\0`;
    // "? old.py" here is the original path of the rename (it follows the entry), not an untracked file.
    expect(parsePorcelainV2(rename)).toMatchObject({ count: 1, paths: ['new name.py'] });
  });
});

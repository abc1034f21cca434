import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const SCRIPT = path.resolve('scripts/system-packages.sh');

const EXECUTABLES = {
  postgresql: ['initdb', 'pg_ctl', 'pg_dump', 'pg_restore', 'psql'].map(
    (b) => `usr/lib/postgresql/16/bin/${b}`,
  ),
  chromium: ['usr/bin/chromium'],
  'nginx-light': ['usr/sbin/nginx'],
  pebble: ['usr/bin/pebble', 'usr/bin/pebble-challtestsrv'],
  openssl: ['usr/bin/openssl'],
  'openssh-server': ['usr/sbin/sshd', 'usr/bin/ssh', 'usr/bin/ssh-keygen'],
  rsync: ['usr/bin/rsync', 'usr/bin/rrsync'],
};
type Package = keyof typeof EXECUTABLES;

let roots: string[] = [];
afterEach(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
  roots = [];
});

/** A machine's file tree holding the executables of `packages` (real files), and nothing else. */
async function machineWith(packages: Package[], leaveOut: string[] = []): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'dbtools-system-'));
  roots.push(root);
  for (const file of packages.flatMap((p) => EXECUTABLES[p]).filter((f) => !leaveOut.includes(f))) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), '#!/bin/sh\nexit 0\n');
    await chmod(path.join(root, file), 0o755);
  }
  return root;
}

/** Runs the script in check mode (it never installs here) against that tree. */
function check(root: string, command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      SCRIPT,
      [command, '--check'],
      { env: { ...process.env, DBTOOLS_SYSTEM_ROOT: root } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
    );
  });
}

const ALL: Package[] = [
  'postgresql',
  'chromium',
  'nginx-light',
  'pebble',
  'openssl',
  'openssh-server',
  'rsync',
];

describe('system packages', () => {
  it('is quiet and succeeds when everything the tests need is installed', async () => {
    const result = await check(await machineWith(ALL), 'test');
    expect(result).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('names each package the tests miss, with the apt-get command, and fails', async () => {
    const result = await check(
      await machineWith(['postgresql', 'nginx-light', 'openssl', 'openssh-server', 'rsync']),
      'test',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('  - chromium: ');
    expect(result.stderr).toContain('  - pebble: ');
    expect(result.stderr).not.toContain('  - nginx-light');
    expect(result.stderr).toContain('Install them with: sudo apt-get install -y chromium pebble\n');
  });

  it('npm start needs only PostgreSQL: without nginx, pebble, sshd and rsync it warns how to install them and succeeds', async () => {
    const result = await check(await machineWith(['postgresql']), 'start');
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('optional system packages are missing');
    expect(result.stderr).toContain(
      'Install them with: sudo apt-get install -y nginx-light pebble openssh-server rsync\n',
    );
    expect(result.stderr).not.toContain('chromium');
  });

  it('npm start fails without PostgreSQL and says which package to install', async () => {
    const result = await check(await machineWith(['nginx-light', 'pebble']), 'start');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Install them with: sudo apt-get install -y postgresql\n');
  });

  it('a PostgreSQL server without its client tools counts as missing', async () => {
    const root = await machineWith(ALL, ['usr/lib/postgresql/16/bin/pg_dump']);
    const result = await check(root, 'ci');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the CI run needs these system packages:\n  - postgresql: ');
  });

  it("the upgrade platform's transfers need sshd and rsync with rrsync: the tests fail without them", async () => {
    const result = await check(await machineWith(ALL, ['usr/sbin/sshd', 'usr/bin/rrsync']), 'test');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Install them with: sudo apt-get install -y openssh-server rsync\n');
  });

  it('pebble without pebble-challtestsrv counts as missing', async () => {
    const result = await check(await machineWith(ALL, ['usr/bin/pebble-challtestsrv']), 'test');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('sudo apt-get install -y pebble\n');
  });

  it("npm start as root installs what the embedded default uses (nginx, pebble, the upgrade platform's ssh and rsync) through apt-get, and says so", async () => {
    if (process.getuid?.() !== 0) return; // the install path is root's only
    const root = await machineWith(['postgresql']);
    // An apt-get of our own first on PATH: it records its calls and "installs" into the fake machine.
    const bin = await mkdtemp(path.join(tmpdir(), 'dbtools-apt-'));
    roots.push(bin);
    const calls = path.join(bin, 'calls');
    const files = (['nginx-light', 'pebble', 'openssh-server', 'rsync'] as const)
      .flatMap((p) => EXECUTABLES[p])
      .map((f) => path.join(root, f));
    await writeFile(
      path.join(bin, 'apt-get'),
      `#!/bin/sh\necho "$*" >> ${calls}\ncase "$1" in install) for f in ${files.join(' ')}; do mkdir -p "$(dirname "$f")"; printf '#!/bin/sh\\n' > "$f"; chmod 755 "$f"; done;; esac\n`,
    );
    await chmod(path.join(bin, 'apt-get'), 0o755);
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        SCRIPT,
        ['start'],
        { env: { ...process.env, DBTOOLS_SYSTEM_ROOT: root, PATH: `${bin}:${process.env.PATH}` } },
        (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
      );
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('installing the system packages `npm start` uses:\n  - nginx-light: ');
    expect(result.stdout).toContain('installed nginx-light pebble openssh-server rsync\n');
    expect(result.stderr).not.toContain('optional system packages are missing');
    expect((await readFile(calls, 'utf8')).trim().split('\n')).toEqual([
      'update -qq',
      'install -y -qq nginx-light pebble openssh-server rsync',
    ]);
  });
});

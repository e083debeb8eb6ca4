/**
 * Records testdata/oracle.golden for the container commands: runs every case of
 * oracle-cases.ts with the real docker CLI against the fake daemon and writes what docker
 * printed and sent (bodies decoded, with their exact length and digest). Run after `tsc`:
 *
 *   TZ=UTC node dist/src/cli/commands/container/record-goldens.js [/usr/local/bin/docker]
 *
 * With ORACLE_SET=fs it records the cp/diff/export/commit cases (oracle-fs-cases.ts) into
 * testdata/oracle-fs.golden instead.
 *
 * Terminal cases run docker under script(1) in a 120x40 pty (output post-processing off).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeEngine } from '../../test-helpers.js';
import { goldenSections } from '../image/oracle-format.js';
import { CASES as CONTAINER_CASES, TESTDATA, describeRequest, setUpCase, type OracleCase } from './oracle-cases.js';
import { FS_CASES } from './oracle-fs-cases.js';
import { normalizeOutput } from './oracle-format.js';

const DOCKER = process.argv[2] ?? '/usr/local/bin/docker';
const only = process.env['ORACLE_ONLY'];
const fsSet = process.env['ORACLE_SET'] === 'fs';
const CASES = fsSet ? FS_CASES : CONTAINER_CASES;
const GOLDEN = fsSet ? 'oracle-fs.golden' : 'oracle.golden';

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function run(c: OracleCase, args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number; out: Buffer; err: Buffer }> {
  return new Promise((resolve, reject) => {
    const child = c.tty
      ? spawn('script', ['-qec', `stty cols 120 rows 40 -onlcr; exec ${[DOCKER, ...args].map(shellQuote).join(' ')}`, '/dev/null'], {
          env,
          cwd,
          stdio: ['pipe', 'pipe', 'pipe'],
        })
      : spawn(DOCKER, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out: Buffer.concat(out), err: Buffer.concat(err) });
    });
    if (c.stdin !== undefined) child.stdin.end(c.stdin);
    else if (!c.tty) child.stdin.end();
  });
}

let golden = '';
for (const c of CASES) {
  if (only && !c.name.includes(only)) continue;
  const dir = mkdtempSync(join(tmpdir(), 'berth-oracle-'));
  const configDir = join(dir, '.config');
  mkdirSync(configDir);
  for (const [name, content] of Object.entries(c.files ?? {})) writeFileSync(join(dir, name), content);
  const engine = new FakeEngine();
  await engine.listen();
  const now = Date.now();
  setUpCase(c, engine);
  const args = c.args.map((a) => a.replaceAll('$DIR', dir));
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: dir,
    TZ: 'UTC',
    DOCKER_HOST: engine.host,
    DOCKER_CONFIG: configDir,
  };
  for (const [k, v] of Object.entries(c.env ?? {})) env[k] = v.replaceAll('$DIR', dir);
  const r = await run(c, args, env, c.cwd ? dir : process.cwd());
  const files = (c.outputs ?? []).map((name) => {
    const p = join(dir, name);
    if (!existsSync(p)) return `${name} absent`;
    const data = readFileSync(p);
    return `${name} ${data.length}B sha256:${createHash('sha256').update(data).digest('hex').slice(0, 12)}`;
  });
  const norm = (b: Buffer) => normalizeOutput(b.toString('utf8'), dir, engine.socket);
  golden += goldenSections(c.name, {
    now: String(now),
    exit: String(r.code),
    stdout: norm(r.out),
    stderr: norm(r.err),
    requests: engine.seen
      .filter((q) => q.path !== '/_ping')
      .map((q) => {
        const n = (t: string) => normalizeOutput(t, dir, engine.socket);
        return n(describeRequest(q, c.unordered, n));
      })
      .join('\n'),
    files: files.join('\n'),
  });
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`${c.name}: exit ${r.code}\n`);
}
if (!only) writeFileSync(join(TESTDATA, GOLDEN), golden);
else process.stdout.write(golden);

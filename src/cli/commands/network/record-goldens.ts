/**
 * Records testdata/oracle.golden for the network commands: runs every case of oracle-cases.ts
 * with the real docker CLI against the fake daemon and writes what docker printed and sent.
 * Run after `tsc`:
 *
 *   TZ=UTC node dist/src/cli/commands/network/record-goldens.js [/usr/local/bin/docker]
 *
 * ORACLE_ONLY=<text> runs only the cases whose name contains it and prints their recording.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeEngine } from '../../test-helpers.js';
import { goldenSections } from '../image/oracle-format.js';
import { normalizeOutput } from '../container/oracle-format.js';
import { CASES, TESTDATA, describeRequest, normalizeLabels, setUpCase } from './oracle-cases.js';

const DOCKER = process.argv[2] ?? '/usr/local/bin/docker';
const only = process.env['ORACLE_ONLY'];

function run(args: string[], env: Record<string, string>, stdin: string | undefined): Promise<{ code: number; out: Buffer; err: Buffer }> {
  return new Promise((resolve, reject) => {
    const child = spawn(DOCKER, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
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
    child.stdin.end(stdin ?? '');
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
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: dir,
    TZ: 'UTC',
    DOCKER_HOST: engine.host,
    DOCKER_CONFIG: configDir,
  };
  for (const [k, v] of Object.entries(c.env ?? {})) env[k] = v.replaceAll('$DIR', dir);
  const r = await run(c.args.map((a) => a.replaceAll('$DIR', dir)), env, c.stdin);
  const norm = (b: Buffer) => normalizeLabels(normalizeOutput(b.toString('utf8'), dir, engine.socket), c);
  golden += goldenSections(c.name, {
    now: String(now),
    exit: String(r.code),
    stdout: norm(r.out),
    stderr: norm(r.err),
    requests: engine.seen
      .filter((q) => q.path !== '/_ping')
      .map((q) => describeRequest(q, c))
      .join('\n'),
  });
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`${c.name}: exit ${r.code}\n`);
}
if (!only) writeFileSync(join(TESTDATA, 'oracle.golden'), golden);
else process.stdout.write(golden);

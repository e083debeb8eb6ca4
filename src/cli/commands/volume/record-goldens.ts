/**
 * Records testdata/oracle.golden of the volume commands: runs every case of oracle-cases.ts with the real docker CLI
 * against the fake engine and writes what docker printed and sent. Run after `tsc`:
 *
 *   TZ=UTC node dist/src/cli/commands/volume/record-goldens.js [/usr/local/bin/docker]
 *
 * Terminal cases run docker under script(1) in a 120-column pty (output post-processing off).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeEngine } from '../../test-helpers.js';
import { CASES, TESTDATA, describeRequest, type OracleCase } from './oracle-cases.js';
import { goldenSections } from '../image/oracle-format.js';

const DOCKER = process.argv[2] ?? '/usr/local/bin/docker';

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function run(c: OracleCase, args: string[], env: Record<string, string>): Promise<{ code: number; out: Buffer; err: Buffer }> {
  return new Promise((resolve, reject) => {
    const child = c.tty
      ? spawn('script', ['-qec', `stty cols 120 rows 40 -onlcr; exec ${[DOCKER, ...args].map(shellQuote).join(' ')}`, '/dev/null'], {
          env,
          stdio: ['pipe', 'pipe', 'pipe'],
        })
      : spawn(DOCKER, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out: Buffer.concat(out), err: Buffer.concat(err) }));
    if (c.stdin !== undefined) child.stdin.end(c.stdin);
    else if (!c.tty) child.stdin.end();
  });
}

let golden = '';
for (const c of CASES) {
  const dir = mkdtempSync(join(tmpdir(), 'berth-oracle-'));
  const configDir = join(dir, '.config');
  mkdirSync(configDir);
  for (const [name, content] of Object.entries(c.files ?? {})) writeFileSync(join(dir, name), content);
  const engine = new FakeEngine();
  await engine.listen();
  const now = Date.now();
  c.setup?.(engine, now);
  const args = c.args.map((a) => a.replaceAll('$DIR', dir));
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: dir,
    TZ: 'UTC',
    DOCKER_HOST: engine.host,
    DOCKER_CONFIG: configDir,
  };
  const r = await run(c, args, env);
  const files = (c.outputs ?? []).map((name) => {
    const p = join(dir, name);
    if (!existsSync(p)) return `${name} absent`;
    const data = readFileSync(p);
    return `${name} ${data.length}B sha256:${createHash('sha256').update(data).digest('hex').slice(0, 12)}`;
  });
  const leftovers = readdirSync(dir).filter((n) => n !== '.config' && !(n in (c.files ?? {})) && !(c.outputs ?? []).includes(n));
  if (leftovers.length) files.push(`leftovers: ${leftovers.join(' ')}`);
  const unDir = (b: Buffer) => b.toString('utf8').replaceAll(dir, '$DIR').replaceAll(engine.socket, '$SOCKET');
  golden += goldenSections(c.name, {
    now: String(now),
    exit: String(r.code),
    stdout: unDir(r.out),
    stderr: unDir(r.err),
    requests: engine.seen.filter((q) => q.path !== '/_ping').map(describeRequest).join('\n'),
    files: files.join('\n'),
  });
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`${c.name}: exit ${r.code}\n`);
}
writeFileSync(join(TESTDATA, 'oracle.golden'), golden);

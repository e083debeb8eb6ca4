/**
 * Records testdata/search-oracle.golden: runs every case of search-oracle-cases.ts with the real
 * docker CLI against the fake engine and writes what docker printed and sent. Run after `tsc`:
 *
 *   node dist/src/cli/commands/registry/search-record-goldens.js [/usr/local/bin/docker]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeEngine } from '../../test-helpers.js';
import { goldenSections } from '../image/oracle-format.js';
import { CASES, TESTDATA, describeSearchRequest } from './search-oracle-cases.js';

const DOCKER = process.argv[2] ?? '/usr/local/bin/docker';

function run(args: string[], env: Record<string, string>): Promise<{ code: number; out: Buffer; err: Buffer }> {
  return new Promise((resolve, reject) => {
    const child = spawn(DOCKER, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out: Buffer.concat(out), err: Buffer.concat(err) }));
  });
}

let golden = '';
for (const c of CASES) {
  const dir = mkdtempSync(join(tmpdir(), 'berth-search-oracle-'));
  const configDir = join(dir, '.config');
  mkdirSync(configDir);
  if (c.config !== undefined) writeFileSync(join(configDir, 'config.json'), JSON.stringify(c.config));
  const engine = new FakeEngine();
  await engine.listen();
  c.setup?.(engine);
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: dir,
    DOCKER_HOST: engine.host,
    DOCKER_CONFIG: configDir,
  };
  const r = await run(c.args, env);
  const unSocket = (b: Buffer) => b.toString('utf8').replaceAll(engine.socket, '$SOCKET');
  golden += goldenSections(c.name, {
    exit: String(r.code),
    stdout: unSocket(r.out),
    stderr: unSocket(r.err),
    requests: engine.seen.filter((q) => q.path !== '/_ping').map(describeSearchRequest).join('\n'),
  });
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`${c.name}: exit ${r.code}\n`);
}
mkdirSync(TESTDATA, { recursive: true });
writeFileSync(join(TESTDATA, 'search-oracle.golden'), golden);

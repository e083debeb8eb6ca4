/**
 * The container commands against docker 28.2.2 as the oracle: testdata/oracle.golden holds
 * what the real docker CLI printed and requested for each case of oracle-cases.ts
 * (record-goldens.ts); berth runs the same cases in-process against the same fake daemon and
 * must print the same bytes, exit the same way and send the same requests (create and exec
 * bodies byte for byte, hijacked streams with what was written to them).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeEngine, parseGolden, runCli } from '../../test-helpers.js';
import { comparable } from '../image/oracle-format.js';
import { CASES as CONTAINER_CASES, TESTDATA, describeRequest, setUpCase, type OracleCase } from './oracle-cases.js';
import { FS_CASES } from './oracle-fs-cases.js';
import { asBerth, normalizeOutput } from './oracle-format.js';

// The goldens were recorded in UTC: run in UTC whatever the machine's zone (node re-reads TZ).
process.env['TZ'] = 'UTC';
const SETS: [string, string, OracleCase[]][] = [
  ['container commands', 'oracle.golden', CONTAINER_CASES],
  ['cp, diff, export, commit', 'oracle-fs.golden', FS_CASES],
];

for (const [title, golden, CASES] of SETS) {
  const recorded = parseGolden(readFileSync(join(TESTDATA, golden), 'utf8'));
  const byName = new Map(CASES.map((c) => [c.name, c]));

  describe(`${title} print and send what docker 28 does`, () => {
    const engine = new FakeEngine();
    before(() => engine.listen());
    after(() => engine.close());

    test('every case has a recording', () => {
      assert.deepEqual(
        CASES.map((c) => c.name),
        recorded.map((r) => r.name),
        'run record-goldens.js after changing oracle-cases.ts',
      );
    });

    for (const rec of recorded) {
      const c = byName.get(rec.name);
      if (!c) continue;
      test(rec.name, async () => {
        const s = rec.sections;
        const dir = mkdtempSync(join(tmpdir(), 'berth-oracle-'));
        try {
          mkdirSync(join(dir, '.config'));
          for (const [name, content] of Object.entries(c.files ?? {})) writeFileSync(join(dir, name), content);
          engine.reset();
          setUpCase(c, engine);
          const env: Record<string, string> = { DOCKER_CONFIG: join(dir, '.config') };
          for (const [k, v] of Object.entries(c.env ?? {})) env[k] = v.replaceAll('$DIR', dir);
          const r = await runCli(
            c.args.map((a) => a.replaceAll('$DIR', dir)),
            {
              host: engine.host,
              env,
              now: new Date(Number(s['now'])),
              stdin: c.stdin,
              stdinTTY: c.tty,
              stdoutTTY: c.tty,
              columns: c.tty ? 120 : undefined,
              rows: c.tty ? 40 : undefined,
              cwd: c.cwd ? dir : undefined,
            },
          );
          const norm = (t: string) => normalizeOutput(t, dir, engine.socket);
          const stdout = norm(c.tty ? r.out.toString('utf8') + r.stderr : r.stdout);
          const [wantOut, gotOut] = comparable(s, 'stdout', stdout);
          assert.equal(gotOut, asBerth(wantOut), 'stdout');
          const [wantErr, gotErr] = comparable(s, 'stderr', c.tty ? '' : norm(r.stderr));
          assert.equal(gotErr, asBerth(wantErr), 'stderr');
          assert.equal(String(r.code), s['exit'], 'exit code');
          const requests = engine.seen
            .filter((q) => q.path !== '/_ping')
            .map((q) => norm(describeRequest(q, c.unordered, norm)))
            .join('\n');
          const sorted = (t: string | undefined) => (t ?? '').split('\n').sort().join('\n');
          if (c.parallel) assert.equal(sorted(requests), sorted(s['requests']), 'requests');
          else assert.equal(requests, s['requests'], 'requests');
          const files = (c.outputs ?? []).map((name) => {
            const p = join(dir, name);
            if (!existsSync(p)) return `${name} absent`;
            const data = readFileSync(p);
            return `${name} ${data.length}B sha256:${createHash('sha256').update(data).digest('hex').slice(0, 12)}`;
          });
          assert.equal(files.join('\n'), s['files'], 'files');
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  });
}

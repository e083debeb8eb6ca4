/**
 * The network commands against docker 28.2.2 as the oracle: testdata/oracle.golden holds what
 * the real docker CLI printed and requested for each case of oracle-cases.ts
 * (record-goldens.ts); berth runs the same cases in-process against the same fake daemon and
 * must print the same bytes (docker's name swapped for ours), exit the same way and send the
 * same requests (create and connect bodies byte for byte).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeEngine, parseGolden, runCli } from '../../test-helpers.js';
import { comparable } from '../image/oracle-format.js';
import { asBerth, normalizeOutput } from '../container/oracle-format.js';
import { CASES, TESTDATA, describeRequest, normalizeLabels, setUpCase } from './oracle-cases.js';

// The goldens were recorded in UTC: run in UTC whatever the machine's zone (node re-reads TZ).
process.env['TZ'] = 'UTC';
const recorded = parseGolden(readFileSync(join(TESTDATA, 'oracle.golden'), 'utf8'));
const byName = new Map(CASES.map((c) => [c.name, c]));

describe('network commands print and send what docker 28 does', () => {
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
          { host: engine.host, env, now: new Date(Number(s['now'])), stdin: c.stdin },
        );
        const norm = (t: string) => normalizeLabels(normalizeOutput(t, dir, engine.socket), c);
        const [wantOut, gotOut] = comparable(s, 'stdout', norm(r.stdout));
        assert.equal(gotOut, asBerth(wantOut), 'stdout');
        const [wantErr, gotErr] = comparable(s, 'stderr', norm(r.stderr));
        assert.equal(gotErr, asBerth(wantErr), 'stderr');
        assert.equal(String(r.code), s['exit'], 'exit code');
        const requests = engine.seen
          .filter((q) => q.path !== '/_ping')
          .map((q) => describeRequest(q, c))
          .join('\n');
        assert.equal(requests, s['requests'], 'requests');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

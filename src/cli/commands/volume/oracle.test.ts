/**
 * The volume commands against docker 28.2.2 as the oracle: testdata/oracle.golden holds what the
 * real docker CLI printed and requested for each case of oracle-cases.ts (record-goldens.ts);
 * here berth runs the same cases in-process against the same fake engine and must print the same
 * bytes (docker's name swapped for ours), exit the same way and send the same requests.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeEngine, parseGolden, runCli } from '../../test-helpers.js';
import { CASES, TESTDATA, describeRequest } from './oracle-cases.js';
import { comparable } from '../image/oracle-format.js';

const recorded = parseGolden(readFileSync(join(TESTDATA, 'oracle.golden'), 'utf8'));
const byName = new Map(CASES.map((c) => [c.name, c]));
const asBerth = (s: string) => s.replace(/\bdocker(?=[ ':])/g, 'berth');

describe('volume commands print and send what docker 28 does', () => {
  const engine = new FakeEngine();
  before(() => engine.listen());
  after(() => engine.close());

  test('every case has a recording', () => {
    assert.deepEqual(CASES.map((c) => c.name), recorded.map((r) => r.name), 'run record-goldens.js after changing oracle-cases.ts');
  });

  for (const rec of recorded) {
    const c = byName.get(rec.name);
    if (!c) continue;
    test(rec.name, async () => {
      const s = rec.sections;
      engine.reset();
      const now = Number(s['now']);
      c.setup?.(engine, now);
      const r = await runCli(c.args, { host: engine.host, now: new Date(now), stdin: c.stdin });
      const norm = (t: string) => t.replaceAll(engine.socket, '$SOCKET');
      const [wantOut, gotOut] = comparable(s, 'stdout', norm(r.stdout));
      assert.equal(gotOut, asBerth(wantOut), 'stdout');
      const [wantErr, gotErr] = comparable(s, 'stderr', norm(r.stderr));
      assert.equal(gotErr, asBerth(wantErr), 'stderr');
      assert.equal(String(r.code), s['exit'], 'exit code');
      assert.equal(engine.seen.filter((q) => q.path !== '/_ping').map(describeRequest).join('\n'), s['requests'], 'requests');
    });
  }
});

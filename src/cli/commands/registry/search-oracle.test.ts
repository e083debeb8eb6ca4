/**
 * `search` against docker 28.2.2 as the oracle: testdata/search-oracle.golden holds what the real
 * docker CLI printed and requested for each case of search-oracle-cases.ts
 * (search-record-goldens.ts); berth runs the same cases in-process against the same fake engine
 * and must print the same bytes (docker's name swapped for ours), exit the same way and send the
 * same requests with the same X-Registry-Auth.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeEngine, parseGolden, runCli } from '../../test-helpers.js';
import { comparable } from '../image/oracle-format.js';
import { CASES, TESTDATA, describeSearchRequest } from './search-oracle-cases.js';

const recorded = parseGolden(readFileSync(join(TESTDATA, 'search-oracle.golden'), 'utf8'));
const byName = new Map(CASES.map((c) => [c.name, c]));

/** docker's name in its own messages ("Run 'docker search --help'"). */
const asBerth = (s: string) => s.replace(/\bdocker(?=[ ':])/g, 'berth');

describe('search prints and sends what docker 28 does', () => {
  const engine = new FakeEngine();
  before(() => engine.listen());
  after(() => engine.close());

  test('every case has a recording', () => {
    assert.deepEqual(
      CASES.map((c) => c.name),
      recorded.map((r) => r.name),
      'run search-record-goldens.js after changing search-oracle-cases.ts',
    );
  });

  for (const rec of recorded) {
    const c = byName.get(rec.name);
    if (!c) continue;
    test(rec.name, async () => {
      const s = rec.sections;
      const configDir = mkdtempSync(join(tmpdir(), 'berth-search-config-'));
      try {
        if (c.config !== undefined) writeFileSync(join(configDir, 'config.json'), JSON.stringify(c.config));
        engine.reset();
        c.setup?.(engine);
        const r = await runCli(c.args, { host: engine.host, env: { DOCKER_CONFIG: configDir } });
        const norm = (t: string) => t.replaceAll(engine.socket, '$SOCKET');
        const [wantOut, gotOut] = comparable(s, 'stdout', norm(r.stdout));
        assert.equal(gotOut, asBerth(wantOut), 'stdout');
        const [wantErr, gotErr] = comparable(s, 'stderr', norm(r.stderr));
        assert.equal(gotErr, asBerth(wantErr), 'stderr');
        assert.equal(String(r.code), s['exit'], 'exit code');
        assert.equal(engine.seen.filter((q) => q.path !== '/_ping').map(describeSearchRequest).join('\n'), s['requests'], 'requests');
      } finally {
        rmSync(configDir, { recursive: true, force: true });
      }
    });
  }
});

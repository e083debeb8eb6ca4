/**
 * `system df` oracle cases: each answers GET /system/df from a fake engine and runs one command
 * line. df-record-goldens.ts runs them with the real docker CLI 28.2.2 and writes what it
 * printed and requested to testdata/df-oracle.golden; df-oracle.test.ts runs them with berth,
 * in-process, with the recorded clock, and compares.
 *
 * The report is made up but shaped like dockerd 28's answer, with volumes and build cache
 * records (berthd has neither yet). Times are set relative to the recording's clock, in the
 * middle of go-units' duration buckets, so that docker (which reads the clock a little later)
 * and berth print the same "N hours ago".
 */
import { testdataDir, type FakeEngine } from '../../test-helpers.js';

export const TESTDATA = testdataDir(import.meta.url);

export interface DfCase {
  name: string;
  /** Arguments after the binary. */
  args: string[];
  /** Routes of the fake engine; `now` is the run's clock in ms. */
  setup: (e: FakeEngine, now: number) => void;
  /** Output depends on the local time zone (recorded with TZ=UTC). */
  tz?: boolean;
}

const BUSYBOX = 'sha256:6b03d9d8398cf0f35684672b2279fc716974117f584d44777ee6b53b0126489a';
const ALPINE = 'sha256:aa11bb22cc33dd44ee55ff66aa11bb22cc33dd44ee55ff66aa11bb22cc33dd44';
const BUILT = 'sha256:928174af2345e1f5ac4bd6e5d0b4a9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2';
const DANGLING = 'sha256:9f8615ac786c2f4e3a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f';
const ODD = 'sha256:0dd0dd0dd0dd0dd0dd0dd0dd0dd0dd0dd0dd0dd0dd0dd0dd0dd0dd0dd0dd0dd0';

/** A Go time in RFC 3339 with nanoseconds, `agoMs` before `now` (UTC, as dockerd encodes). */
const rfc3339 = (now: number, agoMs: number, nanos = '123456789') => new Date(now - agoMs).toISOString().replace(/\.\d{3}Z$/, `.${nanos}Z`);

/** dockerd's /system/df answer with images, containers, volumes and build cache. */
export function fullReport(now: number): unknown {
  const sec = Math.floor(now / 1000);
  const H = 3600;
  return {
    LayersSize: 4_260_112,
    Images: [
      { Containers: 2, Created: sec - 5 * H - 600, Id: BUSYBOX, Labels: null, ParentId: '', RepoDigests: ['busybox@sha256:' + 'a'.repeat(64)], RepoTags: ['busybox:latest', 'busybox:stable'], SharedSize: 1_985_968, Size: 1_985_968 },
      { Containers: 1, Created: sec - 3 * 24 * H - 7200, Id: BUILT, Labels: { 'com.example.a': 'x<y' }, ParentId: '', RepoDigests: [], RepoTags: ['127.0.0.1:5000/team/app:v1.2'], SharedSize: 1_985_968, Size: 2_274_144 },
      { Containers: 0, Created: sec - 40 * 24 * H, Id: ALPINE, Labels: null, ParentId: '', RepoDigests: ['alpine@sha256:' + 'b'.repeat(64)], RepoTags: [], SharedSize: 0, Size: 999_600 },
      { Containers: 0, Created: sec - 7 * 60 - 30, Id: DANGLING, Labels: null, ParentId: '', RepoDigests: [], RepoTags: [], SharedSize: 0, Size: 12_345 },
      { Containers: 0, Created: sec - 90 * 60, Id: ODD, Labels: null, ParentId: '', RepoDigests: [], RepoTags: ['<none>:<none>'], SharedSize: 0, Size: 4_096 },
    ],
    Containers: [
      container(sec, {
        Id: '5fa78686aed6842a5a68848fdbe161ef69b1b45e870fdc83540baf445c73aee7',
        Names: ['/web'],
        Image: 'busybox',
        ImageID: BUSYBOX,
        Command: 'httpd -f -p 80 -h /var/www/html',
        Created: sec - 2 * H - 900,
        State: 'running',
        Status: 'Up 2 hours',
        SizeRw: 5,
        Mounts: [
          { Type: 'volume', Name: 'webdata', Source: '/var/lib/docker/volumes/webdata/_data', Destination: '/data', Driver: 'local', Mode: 'z', RW: true, Propagation: '' },
          { Type: 'bind', Source: '/etc/hosts', Destination: '/h', Mode: '', RW: false, Propagation: 'rprivate' },
        ],
      }),
      container(sec, {
        Id: '99ee2f5522f0dc9989869d22a974e8065994ca6fda742bd1e77c1d3d418d6b23',
        Names: ['/wrote'],
        Image: '127.0.0.1:5000/team/app:v1.2',
        ImageID: BUILT,
        Command: "sh -c 'echo hi > /f'",
        Created: sec - 26 * H,
        State: 'exited',
        Status: 'Exited (0) 25 hours ago',
        SizeRw: 7,
      }),
      container(sec, {
        Id: 'addaa50fd034a695c9f5de6c11b3563a93123823c1dce980540a1f2827455380',
        Names: ['/paused'],
        Image: BUSYBOX,
        ImageID: BUSYBOX,
        Command: 'sleep 1000',
        Created: sec - 20 * 60,
        State: 'paused',
        Status: 'Up 19 minutes (Paused)',
        SizeRw: 0,
      }),
      container(sec, {
        Id: '50a866f80c0d30ccbc7cbef77cc41c1df23b1ac64dfb42f34a8dbeea37188195',
        Names: ['/made'],
        Image: 'busybox',
        ImageID: BUSYBOX,
        Command: 'true',
        Created: sec - 10 * 24 * H,
        State: 'created',
        Status: 'Created',
        SizeRw: 123_456_789,
      }),
    ],
    Volumes: [
      { CreatedAt: '2026-11-29T17:51:25Z', Driver: 'local', Labels: null, Mountpoint: '/var/lib/docker/volumes/webdata/_data', Name: 'webdata', Options: null, Scope: 'local', UsageData: { RefCount: 1, Size: 2_048_000 } },
      { CreatedAt: '2026-11-29T17:51:25Z', Driver: 'local', Labels: { 'com.example.keep': 'yes' }, Mountpoint: '/var/lib/docker/volumes/old/_data', Name: 'old', Options: null, Scope: 'local', UsageData: { RefCount: 0, Size: 1_000_000 } },
      { CreatedAt: '2026-11-29T17:51:25Z', Driver: 'local', Labels: null, Mountpoint: '/var/lib/docker/volumes/fresh/_data', Name: 'fresh', Options: null, Scope: 'local', UsageData: { RefCount: 0, Size: -1 } },
    ],
    BuildCache: [
      { ID: 'k3x1q9z8w7v6u5t4s3r2p1o0n', Parents: null, Type: 'regular', Description: 'mount / from exec /bin/sh -c echo hi > /x', InUse: false, Shared: false, Size: 8_192, CreatedAt: rfc3339(now, 3 * H * 1000 + 600_000), LastUsedAt: rfc3339(now, 2 * H * 1000 + 1_200_000), UsageCount: 3 },
      { ID: 'a9b8c7d6e5f4g3h2i1j0k9l8m', Parents: ['k3x1q9z8w7v6u5t4s3r2p1o0n'], Type: 'source.local', Description: 'local source for context', InUse: true, Shared: false, Size: 2_500_000, CreatedAt: rfc3339(now, 5 * 24 * H * 1000), LastUsedAt: null, UsageCount: 1 },
      { ID: 'zz0shared0base0layer0000x', Parents: null, Parent: 'sha256:' + 'c'.repeat(64), Type: 'regular', Description: 'pulled from docker.io/library/busybox:latest', InUse: false, Shared: true, Size: 1_985_968, CreatedAt: '2026-11-29T19:51:25.5+02:00', LastUsedAt: rfc3339(now, 6 * 60_000 + 30_000, '000000000'), UsageCount: 12 },
      { ID: 'mm1inuse1shared0000000000', Parents: ['a9b8c7d6e5f4g3h2i1j0k9l8m', 'k3x1q9z8w7v6u5t4s3r2p1o0n'], Type: 'exec.cachemount', Description: 'cached mount /root/.cache', InUse: true, Shared: true, Size: 300, CreatedAt: rfc3339(now, 50 * 60_000 + 30_000), LastUsedAt: rfc3339(now, 50 * 60_000 + 30_000), UsageCount: 2 },
    ],
  };
}

function container(sec: number, c: Record<string, unknown>): Record<string, unknown> {
  return {
    Ports: [],
    Labels: {},
    SizeRootFs: 4_000_000,
    HostConfig: { NetworkMode: 'bridge' },
    NetworkSettings: { Networks: { bridge: { NetworkID: 'n', EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0, MacAddress: '' } } },
    Mounts: [],
    Created: sec,
    ...c,
  };
}

const EMPTY_REPORT = { LayersSize: 0, Images: [], Containers: [], Volumes: [], BuildCache: [] };

const full = (e: FakeEngine, now: number) => void e.json('GET', '/system/df', fullReport(now));
const empty = (e: FakeEngine) => void e.json('GET', '/system/df', EMPTY_REPORT);

export const CASES: DfCase[] = [
  { name: 'system df', args: ['system', 'df'], setup: full },
  { name: 'system df -v', args: ['system', 'df', '-v'], setup: full },
  { name: 'system df --verbose --format table', args: ['system', 'df', '--verbose', '--format', 'table'], setup: full },
  { name: 'system df --format table', args: ['system', 'df', '--format', 'table'], setup: full },
  { name: 'system df --format {{json .}}', args: ['system', 'df', '--format', '{{json .}}'], setup: full },
  { name: 'system df --format json', args: ['system', 'df', '--format', 'json'], setup: full },
  { name: 'system df --format raw', args: ['system', 'df', '--format', 'raw'], setup: full },
  { name: 'system df custom table', args: ['system', 'df', '--format', 'table {{.Type}}\\t{{.Reclaimable}}\\t{{.Active}}/{{.TotalCount}}'], setup: full },
  { name: 'system df custom template', args: ['system', 'df', '--format', '{{.Type}}: {{.Size}} ({{lower .Reclaimable}})'], setup: full },
  { name: 'system df -v --format {{json .}}', args: ['system', 'df', '-v', '--format', '{{json .}}'], setup: full, tz: true },
  { name: 'system df -v --format json', args: ['system', 'df', '-v', '--format', 'json'], setup: full, tz: true },
  { name: 'system df -v --format raw', args: ['system', 'df', '-v', '--format', 'raw'], setup: full, tz: true },
  {
    name: 'system df -v range template',
    args: ['system', 'df', '-v', '--format', '{{range .Images}}{{.Repository}}:{{.Tag}} {{.ID}} {{.Containers}}\\n{{end}}{{range .BuildCache}}{{.ID}} {{.Parent}} {{.CreatedAt}} {{.LastUsedAt}}\\n{{end}}'],
    setup: full,
    tz: true,
  },
  { name: 'system df -v custom table', args: ['system', 'df', '-v', '--format', 'table {{len .Images}} {{len .Containers}} {{len .Volumes}} {{len .BuildCache}}'], setup: full },
  { name: 'system df -v volumes json', args: ['system', 'df', '-v', '--format', '{{range .Volumes}}{{json .}}\n{{end}}'], setup: full },
  {
    name: 'system df -v zero times',
    args: ['system', 'df', '-v', '--format', '{{range .Images}}{{.CreatedSince}}|{{.CreatedAt}}\n{{end}}{{range .BuildCache}}{{.CreatedSince}}|{{.CreatedAt}}|{{.LastUsedSince}}|{{.Size}}\n{{end}}'],
    setup: (e) =>
      void e.json('GET', '/system/df', {
        ...EMPTY_REPORT,
        Images: [{ Containers: -1, Created: 0, Id: BUSYBOX, Labels: null, ParentId: '', RepoDigests: [], RepoTags: ['busybox:latest'], SharedSize: -1, Size: -1 }],
        BuildCache: [{ ID: 'zero', Type: 'regular', Description: '', InUse: false, Shared: false, Size: 0, CreatedAt: '0001-01-01T00:00:00Z', LastUsedAt: '0001-01-01T00:00:00Z', UsageCount: 0 }],
      }),
    tz: true,
  },
  {
    name: 'system df unknown sizes',
    args: ['system', 'df'],
    setup: (e) =>
      void e.json('GET', '/system/df', {
        ...EMPTY_REPORT,
        LayersSize: 1000,
        Images: [
          { Containers: -1, Created: 0, Id: BUSYBOX, Labels: null, ParentId: '', RepoDigests: [], RepoTags: ['busybox:latest'], SharedSize: 0, Size: 3000 },
          { Containers: 1, Created: 0, Id: ALPINE, Labels: null, ParentId: '', RepoDigests: [], RepoTags: ['alpine:latest'], SharedSize: -1, Size: 999 },
        ],
      }),
  },
  { name: 'system df empty', args: ['system', 'df'], setup: empty },
  { name: 'system df -v empty', args: ['system', 'df', '-v'], setup: empty },
  { name: 'system df -v --format json empty', args: ['system', 'df', '-v', '--format', 'json'], setup: empty },
  { name: 'system df nulls', args: ['system', 'df'], setup: (e) => void e.json('GET', '/system/df', { LayersSize: 0, Images: null, Containers: null, Volumes: null, BuildCache: null }) },
  { name: 'system df unknown field', args: ['system', 'df', '--format', '{{.Nope}}'], setup: full },
  { name: 'system df bad template', args: ['system', 'df', '--format', '{{.Type'], setup: full },
  { name: 'system df -v unknown field', args: ['system', 'df', '-v', '--format', 'before {{.Nope}} after'], setup: full },
  { name: 'system df -v failing range', args: ['system', 'df', '-v', '--format', '{{range .Images}}{{.Tag}},{{.Nope}}{{end}}'], setup: full },
  { name: 'system df -v bad template', args: ['system', 'df', '-v', '--format', '{{range .Images}}'], setup: full },
  { name: 'system df argument', args: ['system', 'df', 'extra'], setup: full },
  {
    name: 'system df daemon error',
    args: ['system', 'df'],
    setup: (e) => void e.json('GET', '/system/df', { message: 'a disk usage operation is already running' }, 500),
  },
];

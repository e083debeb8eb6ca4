/**
 * `berth` and `docker` print the same bytes for the read-only container verbs against the same
 * berthd: ps (tables, -q, --no-trunc, filters, templates, json), inspect --format, logs (-t,
 * --tail, tty and not), port (published ports, none, and the errors). The real docker CLI 28 is
 * the reference.
 *
 * Time columns ("Up 3 seconds", "2 seconds ago") are computed when each CLI asks (Status by the
 * daemon, CREATED by the CLI), and berth, a node program, starts slower and asks a moment after
 * docker does: they would tick apart. So the ps cases run in a stable window, once every container's
 * creation, start and exit are between 60 and 120 s old, when all of them read "About a
 * minute"; the other verbs run first, meanwhile. Both CLIs run at the same moment, and a
 * difference is retried a few times before it counts.
 *
 * Usage errors name the program ("docker: 'docker logs' requires 1 argument"); berth says
 * "berth" there by design, so its stderr is compared with "berth" read as "docker".
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, TestDaemon, type RunResult, ok, sleep } from './harness.js';

let d: TestDaemon;
/** When every time column of `ps` reads "About a minute" (ms since the epoch). */
let stable = { from: 0, until: 0 };


const view = (r: RunResult) => ({ code: r.code, stdout: r.stdout, stderr: r.stderr });

/** Runs `args` with both CLIs until they agree (at most 5 tries); returns docker's result. */
async function same(args: string[]): Promise<RunResult> {
  let last: [RunResult, RunResult] | undefined;
  for (let i = 0; i < 5; i++) {
    const [b0, k] = await Promise.all([d.berth(args), d.docker(args)]);
    const b = { ...b0, stderr: b0.stderr.replace(/\bberth\b/g, 'docker') };
    if (b.code === k.code && b.stdout === k.stdout && b.stderr === k.stderr) return k;
    last = [b, k];
    await sleep(150);
  }
  assert.deepEqual(view(last![0]), view(last![1]), `berth ${args.join(' ')} (actual) vs docker (expected)`);
  return last![1];
}

before(async () => {
  d = await startDaemon();
  await d.importBusybox();
  const setup: string[][] = [
    ['create', '--name', 'fresh', '--label', 'tier=back', 'busybox', 'true'],
    ['run', '--name', 'exit0', 'busybox', 'sh', '-c', 'echo one; echo two >&2; echo three'],
    ['run', '--name', 'exit3', '--label', 'app=web', 'busybox', 'sh', '-c', 'echo failing; exit 3'],
    ['run', '-d', '--name', 'up1', '--label', 'app=web', '--label', 'tier=front', 'busybox', 'sh', '-c', 'echo hello; echo oops >&2; i=0; while true; do i=$((i+1)); sleep 1; done'],
    ['run', '-d', '-t', '--name', 'tty1', 'busybox', 'sh', '-c', 'echo in-tty; echo second; sleep 600'],
    ['run', '-d', '--name', 'killed', 'busybox', 'sleep', '600'],
    ['run', '-d', '--name', 'pub', '-p', '80', '-p', '127.0.0.1::81/udp', '--expose', '90', 'busybox', 'sleep', '600'],
    ['run', '-d', 'busybox', 'sh', '-c', 'echo "a long command line that docker truncates: héllo wörld"; sleep 600'],
    ['run', '-d', '--name', 'paused1', 'busybox', 'sleep', '600'],
  ];
  for (const args of setup) {
    const r = await d.docker(args);
    assert.equal(r.code, args.includes('exit3') ? 3 : 0, `${args.join(' ')}: ${r.stderr}`);
  }
  await ok(d.docker(['kill', 'killed']));
  await ok(d.docker(['pause', 'paused1']));
  // The detached containers' first lines are in their logs before anything compares them.
  for (const [name, want] of [['up1', 'oops\n'], ['tty1', 'second']] as const) {
    const logged = async () => {
      const r = await d.docker(['logs', name]);
      return (r.stdout + r.stderr).includes(want);
    };
    for (let i = 0; i < 50 && !(await logged()); i++) await sleep(100);
  }
  const times = (await ok(d.docker(['inspect', '--format', '{{.Created}} {{.State.StartedAt}} {{.State.FinishedAt}}', ...(await ok(d.docker(['ps', '-aq']))).trim().split('\n')])))
    .split(/\s+/)
    .filter((t) => t !== '' && !t.startsWith('0001-'))
    .map((t) => Date.parse(t));
  stable = { from: Math.max(...times) + 60_500, until: Math.min(...times) + 119_500 };
});
after(async () => {
  await d?.cleanup();
});

describe('inspect --format', () => {
  const names = ['fresh', 'exit0', 'exit3', 'up1', 'tty1', 'killed', 'paused1'];
  for (const name of names) {
    test(name, async () => {
      const r = await same(['inspect', '--format', '{{.State.Status}} {{.Name}} {{json .Config.Cmd}}', name]);
      assert.match(r.stdout, new RegExp(`^\\w+ /${name} \\[`));
      await same(['inspect', '--format', '{{.State.ExitCode}} {{.State.Running}} {{.State.Paused}} {{json .Config.Labels}} {{.Config.Tty}} {{.RestartCount}}', name]);
    });
  }
  const cases: string[][] = [
    ['inspect', '--format', '{{.Name}}', ...names],
    ['inspect', '-f', '{{json .NetworkSettings.Ports}} {{json .HostConfig.PortBindings}} {{json .Config.ExposedPorts}}', 'pub'],
    ['inspect', '-f', '{{range .Config.Env}}{{println .}}{{end}}', 'up1'],
    ['inspect', '-f', '{{json .State}}', 'exit3'],
    ['inspect', '-f', '{{index .Config.Labels "app"}}', 'up1'],
    ['inspect', '-f', '{{.Config.Labels.tier}}', 'fresh'],
    ['inspect', '-f', '{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.NetworkMode}} {{.Path}} {{.Args}}', 'up1'],
    ['inspect', '-f', '{{.NetworkSettings.Ports}} {{json .NetworkSettings.Ports}}', 'up1'],
    ['inspect', '--format', '{{.Name}}', 'up1', 'nosuch', 'exit0'],
    ['inspect', '--format', '{{.Nope}}', 'up1'],
    ['inspect', '--type', 'container', '--format', '{{.Name}}', 'up1'],
    ['container', 'inspect', '--format', '{{.Id}}', 'nosuch'],
    ['inspect', 'up1'],
    ['inspect', 'fresh', 'exit3'],
    ['inspect', '-f', '{{json .}}', 'up1'],
    ['inspect', '-f', '{{json .}}', 'fresh'],
    ['inspect', '-f', '{{json .Config}}', 'tty1'],
    ['inspect', '-f', '{{json .HostConfig}}', 'up1'],
    ['inspect', '-f', '{{json .NetworkSettings}}', 'up1'],
    ['inspect', '-f', '{{json .State}} {{json .Mounts}} {{json .GraphDriver}}', 'paused1'],
    ['inspect', '-f', '{{.Config}}', 'up1'],
    ['inspect', '-f', '{{.State}}', 'killed'],
    ['inspect', '-f', '{{.HostConfig.LogConfig}} {{.HostConfig.Memory}} {{.HostConfig.Privileged}} {{.HostConfig.AutoRemove}}', 'up1'],
    ['inspect', '-s', '-f', '{{.SizeRw}} {{.SizeRootFs}}', 'exit0'],
    ['inspect', '-f', '{{.SizeRw}}', 'exit0'],
    ['inspect', '-f', '{{.Node}} {{.State.Health}} {{.ImageManifestDescriptor}}', 'exit0'],
    ['inspect', '-f', '{{.State.Health}} {{json .State.Health}} {{.Config.Healthcheck}} {{.SizeRw}} {{.ImageManifestDescriptor}}', 'exit0'],
    ['inspect', '-f', '{{.HostConfig.PidsLimit}} {{.HostConfig.OomKillDisable}} {{.HostConfig.MemorySwappiness}} {{.HostConfig.RestartPolicy}} {{.HostConfig.ConsoleSize}}', 'up1'],
    // {{.NetworkSettings}} itself is left out: Go prints its endpoint pointers as addresses.
    ['inspect', '-f', '{{.NetworkSettings.IPAddress}} {{json .NetworkSettings.Networks}}|{{.Mounts}}|{{.GraphDriver}}|{{.Config.Volumes}}|{{json .Config.Volumes}}|{{json .Config.ExposedPorts}}', 'up1'],
    ['inspect', '-f', '{{.ID}} {{.Id}} {{len .Config.Env}} {{index .Config.Cmd 0}} {{.Config.Labels}} {{.HostConfig.LogConfig.Type}}', 'up1'],
    ['inspect', '-f', '{{.id}}', 'up1'],
    ['inspect', '-f', '{{.State.Health.Status}}', 'up1'],
    ['inspect', '-f', '{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}} {{range .Config.Cmd}}<{{.}}>{{end}}', 'up1'],
    ['inspect', '-f', '{{json .Mounts}} {{json .NetworkSettings.Networks}} {{json .NetworkSettings.Ports}} {{json .Args}} {{json .ExecIDs}}', 'fresh'],
    ['inspect', '-f', '{{json .Config}}', 'fresh', 'exit0', 'exit3', 'up1', 'tty1', 'killed', 'paused1'],
    ['inspect', '-f', '{{json .HostConfig}}', 'fresh', 'exit0', 'exit3', 'up1', 'tty1', 'killed', 'paused1'],
    ['inspect', '-f', '{{range .State.Status}}{{end}}', 'up1'],
    ['inspect', '-f', '{{range $x := .Config.Hostname}}{{end}}', 'up1'],
    ['inspect', '-f', '{{range $k, $v := .State}}{{$k}}:{{$v}} {{end}}', 'up1'],
  ];
  for (const args of cases) {
    test(args.join(' '), async () => {
      await same(args);
    });
  }
});

describe('logs', () => {
  const cases: string[][] = [];
  for (const name of ['exit0', 'exit3', 'up1', 'tty1', 'fresh']) {
    cases.push(['logs', name], ['logs', '-t', name], ['logs', '--tail', '1', name], ['logs', '--tail', '0', name], ['logs', '-t', '--tail', '2', name]);
  }
  cases.push(['logs', '--since', '0', 'exit0'], ['logs', '--until', '0', 'exit0'], ['logs', '--until', '2000-01-01', 'exit0'], ['logs', '--since', 'bogus', 'exit0'], ['logs', '-t', '--since', '5m', '--tail', '1', 'up1'], ['logs', 'exit0', 'extra']);
  cases.push(['logs', '--details', 'up1'], ['logs', '--until', '1s', 'exit0'], ['logs', '--since', '2000-01-01T00:00:00Z', 'exit3'], ['logs', '--since', 'yesterday', 'exit3'], ['logs', '-f', 'exit0'], ['logs', '--tail', '-1', 'exit0']);
  cases.push(['logs', '-n', '1', 'exit0'], ['logs', '--tail', 'all', 'exit0'], ['logs', '--tail', 'x', 'exit0'], ['logs', '--since', '1h', 'exit0'], ['logs', 'nosuch'], ['logs']);
  for (const args of cases) {
    test(args.join(' '), async () => {
      await same(args);
    });
  }

  test('stdout and stderr stay apart', async () => {
    const r = await same(['logs', 'exit0']);
    assert.equal(r.stdout, 'one\nthree\n');
    assert.equal(r.stderr, 'two\n');
  });
});

describe('port', () => {
  const cases: string[][] = [
    ['port', 'pub'],
    ['port', 'pub', '80'],
    ['port', 'pub', '80/tcp'],
    ['port', 'pub', '81/udp'],
    ['port', 'pub', '81'],
    ['port', 'pub', '90'],
    ['port', 'up1'],
    ['port', 'up1', '80'],
    ['port', 'up1', '80/udp'],
    ['port', 'up1', 'x'],
    ['port', 'up1', '70000'],
    ['port', 'fresh'],
    ['port', 'exit0', '80/tcp'],
    ['port', 'nosuch'],
    ['port'],
    ['container', 'port', 'up1', '443'],
    ['port', 'up1', '80/sctp'],
    ['port', 'up1', '/tcp'],
    ['port', 'up1', '80/'],
    ['port', 'up1', ''],
    ['port', 'up1', '80', 'extra'],
    ['port', 'paused1', '80'],
    ['port', 'up1', '-1'],
  ];
  for (const args of cases) {
    test(args.join(' '), async () => {
      await same(args);
    });
  }
});

describe('ps (in the stable window)', () => {
  before(async () => {
    await sleep(stable.from - Date.now());
  });
  const inWindow = () => assert.ok(Date.now() < stable.until, 'the ps cases ran past the stable window: make them faster');
  const cases: string[][] = [
    ['ps'],
    ['ps', '-a'],
    ['ps', '-a', '--no-trunc'],
    ['ps', '-q'],
    ['ps', '-aq'],
    ['ps', '-a', '-q', '--no-trunc'],
    ['ps', '-a', '--format', '{{.Names}} {{.Status}}'],
    ['ps', '-a', '--format', 'table {{.Names}}\t{{.Status}}\t{{.State}}'],
    ['ps', '-a', '--format', '{{json .}}'],
    ['ps', '-a', '--format', 'json'],
    ['ps', '-a', '--format', '{{json .Names}} {{json .Labels}} {{.Label "app"}}|{{.Label "nope"}}'],
    ['ps', '-a', '--format', 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.Ports}}\t{{.Mounts}}\t{{.Networks}}\t{{.LocalVolumes}}'],
    ['ps', '-a', '--format', '{{.ID}} {{.CreatedAt}} {{.RunningFor}}'],
    ['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Command}} {{.Image}}'],
    ['ps', '-a', '--format', '{{upper .Names}} {{lower .State}} {{title .Status}} {{split .Names "1"}} {{join (split .Names "") "-"}}'],
    ['ps', '-a', '--format', 'table {{.Names}}\t{{.Labels}}'],
    ['ps', '-a', '--filter', 'status=exited'],
    ['ps', '-a', '--filter', 'exited=3', '--format', '{{.Names}}'],
    ['ps', '-a', '--filter', 'status=created', '--format', '{{.Names}} {{.Status}}'],
    ['ps', '--filter', 'status=paused', '--format', '{{.Names}} {{.Status}}'],
    ['ps', '-a', '--filter', 'label=app=web', '--format', '{{.Names}}'],
    ['ps', '-a', '--filter', 'label=tier', '--filter', 'status=running', '--format', '{{.Names}}'],
    ['ps', '-a', '--filter', 'name=up', '--format', '{{.Names}}'],
    ['ps', '-a', '--filter', 'ancestor=busybox', '-q'],
    ['ps', '-n', '2'],
    ['ps', '-l', '--format', '{{.Names}}'],
    ['ps', '-a', '-s', '--format', '{{.Names}} {{.Size}}'],
    ['ps', '--format', '{{.Nope}}'],
    ['ps', '--format', '{{.Names'],
    ['ps', '--filter', 'nope=1'],
    ['ps', '-q', '--format', '{{.Names}}'],
    ['ps', '--format', 'table'],
    ['ps', '-a', '--no-trunc', '-q'],
    ['ps', '-a', '--filter', 'status=running', '--filter', 'status=paused', '--format', '{{.Names}}'],
    ['ps', '-a', '--filter', 'before=up1', '--format', '{{.Names}}'],
    ['ps', '-a', '--filter', 'since=exit0', '--format', '{{.Names}}'],
    ['ps', '-a', '--filter', 'health=none', '--format', '{{.Names}}'],
    ['ps', '-a', '--filter', 'is-task=false', '--format', '{{.Names}}'],
    ['ps', '-a', '--filter', 'publish=80', '--format', '{{.Names}}'],
    ['ps', '-a', '--filter', 'status=bogus'],
    ['ps', '-a', '--format', '{{.Command | printf "%.8s"}} {{slice .ID 0 4}} {{pad .Names 2 2}}| {{truncate .Names 3}} {{len .Names}}'],
    ['ps', '-a', '--format', '{{.Platform}} {{.Size}}'],
    ['ps', '-a', '--format', '{{range $k, $v := .Labels}}{{$k}}{{end}}'],
    ['ps', '-a', '-s'],
    ['ps', '-a', '--no-trunc', '--format', 'table {{.ID}}\t{{.Names}}'],
    ['ps', '-a', '--filter', 'label=app', '--filter', 'label=tier=front', '--format', '{{.Names}}'],
    ['ps', '-a', '--last', '0', '--format', '{{.Names}}'],
    ['ps', '-n', '-1', '--format', '{{.Names}}'],
    ['ps', '-a', '--format', 'table {{.Names}}\t{{.Size}}'],
    ['ps', '-a', '--format', '{{.Labels}} {{.Mounts}} {{.Networks}} {{.LocalVolumes}} {{.Ports}}'],
    ['ps', '-a', '--filter', 'status=exited', '--filter', 'exited=0', '--format', '{{.Names}}'],
    ['ps', '-a', '--filter', 'exited=abc'],
    ['ps', '--format', 'x{{range (slice .Names 0)}}{{end}}'],
    ['ps', '--format', '{{slice .ID 1 0}}'],
    ['ps', '--format', '{{slice .Names 0 1 2}}'],
    ['ps', '-a', '--format', '{{slice .ID 0 4}}|{{slice .Names 1}}|{{slice .Command 0 3}}'],
  ];
  for (const args of cases) {
    test(args.join(' '), async () => {
      await same(args);
      inWindow();
    });
  }

  test('the comparison sees every state', async () => {
    const r = await same(['ps', '-a', '--format', '{{.Names}} {{.State}} {{.Status}}']);
    const lines = r.stdout.trim().split('\n');
    for (const re of [/^fresh created Created$/, /^exit0 exited Exited \(0\) /, /^exit3 exited Exited \(3\) /, /^killed exited Exited \(137\) /, /^up1 running Up /, /^paused1 paused Up About a minute \(Paused\)$/]) {
      assert.ok(lines.some((l) => re.test(l)), `${re} in\n${r.stdout}`);
    }
  });
});

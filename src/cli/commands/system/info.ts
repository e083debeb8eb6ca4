/**
 * `berth info` / `berth system info`: docker 28's info command. Without --format it prints the
 * Client section (Version, Context, Debug Mode, Plugins) and the Server section with every
 * field the daemon returned, in docker's layout (cli/command/system/info.go). With --format the
 * template sees the daemon's Info fields at the top level plus ClientInfo, ServerErrors and
 * ClientErrors; a template that only touches client fields does not contact the daemon.
 */
import type { Info } from '../../../api/types/index.js';
import { ConnectionError } from '../../../client/index.js';
import { defineCommand, StatusError, CliError } from '../../command.js';
import { inspectFormatFlag } from '../../common-flags.js';
import type { Cli } from '../../cli.js';
import { JSON_FORMAT, JSON_FORMAT_KEY } from '../../format/formatter.js';
import { Template, TemplateExecError, TemplateParseError } from '../../format/template.js';
import { bytesSize, humanDuration } from '../../format/units.js';
import { printValue } from '../../format/gofmt.js';

/** The ClientInfo of `info --format` (docker's clientInfo: Debug, clientVersion, Plugins, Warnings). */
export function clientInfo(cli: Cli, apiVersion?: string): Record<string, unknown> {
  const b = cli.build;
  const v: Record<string, unknown> = { Debug: cli.debug, Version: b.version };
  if (apiVersion) v['ApiVersion'] = apiVersion;
  Object.assign(v, {
    DefaultAPIVersion: cli.client.defaultVersion,
    GitCommit: b.gitCommit,
    GoVersion: b.runtimeVersion,
    Os: b.os,
    Arch: b.arch,
  });
  if (b.buildTime) v['BuildTime'] = b.buildTime;
  Object.assign(v, { Context: cli.currentContext, Plugins: [], Warnings: null });
  return v;
}

/**
 * A zero system.Info as JSON: what --format sees when the daemon could not answer (docker
 * renders its template on an empty Info then, so `{{.ID}}` prints "" rather than <no value>).
 */
const ZERO_INFO_JSON =
  '{"ID":"","Containers":0,"ContainersRunning":0,"ContainersPaused":0,"ContainersStopped":0,"Images":0,"Driver":"","DriverStatus":null,"Plugins":{"Volume":null,"Network":null,"Authorization":null,"Log":null},"MemoryLimit":false,"SwapLimit":false,"CpuCfsPeriod":false,"CpuCfsQuota":false,"CPUShares":false,"CPUSet":false,"PidsLimit":false,"IPv4Forwarding":false,"Debug":false,"NFd":0,"OomKillDisable":false,"NGoroutines":0,"SystemTime":"","LoggingDriver":"","CgroupDriver":"","NEventsListener":0,"KernelVersion":"","OperatingSystem":"","OSVersion":"","OSType":"","Architecture":"","IndexServerAddress":"","RegistryConfig":null,"NCPU":0,"MemTotal":0,"GenericResources":null,"DockerRootDir":"","HttpProxy":"","HttpsProxy":"","NoProxy":"","Name":"","Labels":null,"ExperimentalBuild":false,"ServerVersion":"","Runtimes":null,"DefaultRuntime":"","Swarm":{"NodeID":"","NodeAddr":"","LocalNodeState":"","ControlAvailable":false,"Error":"","RemoteManagers":null},"LiveRestoreEnabled":false,"Isolation":"","InitBinary":"","ContainerdCommit":{"ID":""},"RuncCommit":{"ID":""},"InitCommit":{"ID":""},"SecurityOptions":null,"CDISpecDirs":null,"Warnings":null}';

/** Go's fmt.Println of the operands: joined by spaces. */
const ln = (...a: unknown[]) => a.map((x) => printValue(x)).join(' ') + '\n';
const lnNonEmpty = (label: string, v: string | undefined) => (v ? `${label} ${v}\n` : '');

interface SecurityOpt {
  name: string;
  options: [string, string][];
}

/** moby's security.DecodeOptions ("name=seccomp,profile=default" or a bare legacy name). */
export function decodeSecurityOptions(opts: readonly string[]): SecurityOpt[] {
  return opts.map((opt) => {
    if (!opt.includes('=')) return { name: opt, options: [] };
    const so: SecurityOpt = { name: '', options: [] };
    for (const kv of opt.split(',')) {
      const i = kv.indexOf('=');
      const k = i < 0 ? kv : kv.slice(0, i);
      const v = i < 0 ? '' : kv.slice(i + 1);
      if (k === 'name') so.name = v;
      else so.options.push([k, v]);
    }
    return so;
  });
}

/** Nanoseconds (Go's time.Duration in JSON) as units.HumanDuration. */
const humanNs = (ns: unknown) => humanDuration(Number(ns ?? 0) / 1e6);

type AnyRecord = Record<string, unknown>;

function swarmInfo(info: Info): string {
  const s = info.Swarm;
  if (!s || s.LocalNodeState === 'inactive' || s.LocalNodeState === 'locked') return '';
  let out = ln('  NodeID:', s.NodeID);
  if (s.Error) out += ln('  Error:', s.Error);
  out += ln('  Is Manager:', s.ControlAvailable);
  const cluster = s.Cluster as AnyRecord | undefined | null;
  if (cluster && s.ControlAvailable && !s.Error && s.LocalNodeState !== 'error') {
    const spec = (cluster['Spec'] ?? {}) as AnyRecord;
    const orch = (spec['Orchestration'] ?? {}) as AnyRecord;
    const raft = (spec['Raft'] ?? {}) as AnyRecord;
    const disp = (spec['Dispatcher'] ?? {}) as AnyRecord;
    const ca = (spec['CAConfig'] ?? {}) as AnyRecord;
    const enc = (spec['EncryptionConfig'] ?? {}) as AnyRecord;
    out += ln('  ClusterID:', cluster['ID']);
    out += ln('  Managers:', s.Managers ?? 0);
    out += ln('  Nodes:', s.Nodes ?? 0);
    const pools = cluster['DefaultAddrPool'] as string[] | null | undefined;
    if (pools) {
      out += ln('  Default Address Pool:', pools.map((p) => p + '  ').join(''));
      out += ln('  SubnetSize:', cluster['SubnetSize'] ?? 0);
    }
    if (Number(cluster['DataPathPort'] ?? 0) > 0) out += ln('  Data Path Port:', cluster['DataPathPort']);
    out += ln('  Orchestration:');
    out += ln('   Task History Retention Limit:', orch['TaskHistoryRetentionLimit'] ?? 0);
    out += ln('  Raft:');
    out += ln('   Snapshot Interval:', raft['SnapshotInterval'] ?? 0);
    if (raft['KeepOldSnapshots'] !== undefined && raft['KeepOldSnapshots'] !== null) {
      out += `   Number of Old Snapshots to Retain: ${printValue(raft['KeepOldSnapshots'])}\n`;
    }
    out += ln('   Heartbeat Tick:', raft['HeartbeatTick'] ?? 0);
    out += ln('   Election Tick:', raft['ElectionTick'] ?? 0);
    out += ln('  Dispatcher:');
    out += ln('   Heartbeat Period:', humanNs(disp['HeartbeatPeriod']));
    out += ln('  CA Configuration:');
    out += ln('   Expiry Duration:', humanNs(ca['NodeCertExpiry']));
    out += ln('   Force Rotate:', ca['ForceRotate'] ?? 0);
    const signing = String(ca['SigningCACert'] ?? '').trim();
    if (signing) out += `   Signing CA Certificate: \n${signing}\n\n`;
    const external = (ca['ExternalCAs'] ?? []) as AnyRecord[];
    if (external.length) {
      out += ln('   External CAs:');
      for (const e of external) out += `     ${printValue(e['Protocol'])}: ${printValue(e['URL'])}\n`;
    }
    out += ln('  Autolock Managers:', enc['AutoLockManagers'] ?? false);
    out += ln('  Root Rotation In Progress:', cluster['RootRotationInProgress'] ?? false);
  }
  out += ln('  Node Address:', s.NodeAddr);
  const managers = (s.RemoteManagers ?? []).map((m) => m.Addr).sort();
  if (managers.length) {
    out += ln('  Manager Addresses:');
    for (const m of managers) out += `   ${m}\n`;
  }
  return out;
}

/** docker's prettyPrintServerInfo (v28.2); `clientDebug` is the CLI's -D. */
export function prettyServerInfo(info: Info, clientDebug: boolean, userName = ''): string {
  const i = info as Info & AnyRecord;
  let out = '';
  out += ln(' Containers:', i.Containers);
  out += ln('  Running:', i.ContainersRunning);
  out += ln('  Paused:', i.ContainersPaused);
  out += ln('  Stopped:', i.ContainersStopped);
  out += ln(' Images:', i.Images);
  out += lnNonEmpty(' Server Version:', i.ServerVersion);
  out += lnNonEmpty(' Storage Driver:', i.Driver);
  for (const [k, v] of i.DriverStatus ?? []) out += `  ${k}: ${v}\n`;
  for (const [k, v] of (i['SystemStatus'] as [string, string][] | null | undefined) ?? []) out += ` ${k}: ${v}\n`;
  out += lnNonEmpty(' Logging Driver:', i.LoggingDriver);
  out += lnNonEmpty(' Cgroup Driver:', i.CgroupDriver);
  out += lnNonEmpty(' Cgroup Version:', i.CgroupVersion);
  const plugins = i.Plugins ?? { Volume: [], Network: [], Authorization: null, Log: [] };
  out += ln(' Plugins:');
  out += ln('  Volume:', (plugins.Volume ?? []).join(' '));
  out += ln('  Network:', (plugins.Network ?? []).join(' '));
  if (plugins.Authorization?.length) out += ln('  Authorization:', plugins.Authorization.join(' '));
  out += ln('  Log:', (plugins.Log ?? []).join(' '));
  if (i.CDISpecDirs?.length) {
    out += ln(' CDI spec directories:');
    for (const d of i.CDISpecDirs) out += `  ${d}\n`;
  }
  const devices = (i['DiscoveredDevices'] ?? []) as AnyRecord[];
  if (devices.length) {
    out += ln(' Discovered Devices:');
    for (const d of devices) out += `  ${printValue(d['Source'])}: ${printValue(d['ID'])}\n`;
  }
  out += ln(' Swarm:', i.Swarm?.LocalNodeState ?? '');
  out += swarmInfo(info);
  const runtimes = Object.keys(i.Runtimes ?? {});
  if (runtimes.length) {
    out += ln(' Runtimes:', runtimes.join(' '));
    out += ln(' Default Runtime:', i.DefaultRuntime);
  }
  if (i.OSType === 'linux') {
    out += ln(' Init Binary:', i.InitBinary);
    out += ln(' containerd version:', i.ContainerdCommit?.ID ?? '');
    out += ln(' runc version:', i.RuncCommit?.ID ?? '');
    out += ln(' init version:', i.InitCommit?.ID ?? '');
    const secopts = decodeSecurityOptions(i.SecurityOptions ?? []);
    if (secopts.length) {
      out += ln(' Security Options:');
      for (const so of secopts) {
        out += ln('  ' + so.name);
        for (const [k, v] of so.options) if (k === 'profile') out += ln('   Profile:', v);
      }
    }
  }
  if (i.OSType === 'windows') out += ln(' Default Isolation:', i.Isolation);
  out += lnNonEmpty(' Kernel Version:', i.KernelVersion);
  out += lnNonEmpty(' Operating System:', i.OperatingSystem);
  out += lnNonEmpty(' OSType:', i.OSType);
  out += lnNonEmpty(' Architecture:', i.Architecture);
  out += ln(' CPUs:', i.NCPU);
  out += ln(' Total Memory:', bytesSize(Number(i.MemTotal ?? 0)));
  out += lnNonEmpty(' Name:', i.Name);
  out += lnNonEmpty(' ID:', i.ID);
  out += ln(' Docker Root Dir:', i.DockerRootDir);
  out += ln(' Debug Mode:', i.Debug);
  if (i.Debug || clientDebug) {
    out += ln('  File Descriptors:', i.NFd);
    out += ln('  Goroutines:', i.NGoroutines);
    out += ln('  System Time:', i.SystemTime);
    out += ln('  EventsListeners:', i.NEventsListener);
  }
  out += lnNonEmpty(' HTTP Proxy:', i.HttpProxy);
  out += lnNonEmpty(' HTTPS Proxy:', i.HttpsProxy);
  out += lnNonEmpty(' No Proxy:', i.NoProxy);
  out += lnNonEmpty(' Username:', userName);
  if (i.Labels?.length) {
    out += ln(' Labels:');
    for (const l of i.Labels) out += ln('  ' + l);
  }
  out += ln(' Experimental:', i.ExperimentalBuild);
  const reg = i.RegistryConfig;
  if (reg && ((reg.InsecureRegistryCIDRs ?? []).length > 0 || Object.keys(reg.IndexConfigs ?? {}).length > 0)) {
    out += ln(' Insecure Registries:');
    for (const idx of Object.values(reg.IndexConfigs ?? {})) if (!idx.Secure) out += ln('  ' + idx.Name);
    for (const cidr of reg.InsecureRegistryCIDRs ?? []) out += `  ${cidr}\n`;
  }
  if (reg?.Mirrors?.length) {
    out += ln(' Registry Mirrors:');
    for (const m of reg.Mirrors) out += ln('  ' + m);
  }
  out += ln(' Live Restore Enabled:', i.LiveRestoreEnabled);
  if (i['ProductLicense']) out += ln(' Product License:', i['ProductLicense']);
  if (i.DefaultAddressPools?.length) {
    out += ln(' Default Address Pools:');
    for (const p of i.DefaultAddressPools) out += `   Base: ${p.Base}, Size: ${p.Size}\n`;
  }
  const fw = i['FirewallBackend'] as { Driver?: string; Info?: [string, string][] } | undefined | null;
  if (fw) {
    out += ln(' Firewall Backend:', fw.Driver ?? '');
    for (const [k, v] of fw.Info ?? []) out += `  ${k}: ${v}\n`;
  }
  out += '\n';
  return out;
}

/** docker's needsServerInfo: can the template be rendered from client-side data alone? */
function needsServerInfo(format: string, tmpl: Template, client: Record<string, unknown>): boolean {
  if (format === '' || format === JSON_FORMAT || format === JSON_FORMAT_KEY) return true;
  if (!/\.[a-zA-Z]/.test(format)) return true;
  try {
    tmpl.execute({ ClientInfo: client }, { strict: true });
    return false;
  } catch {
    return true;
  }
}

export default defineCommand({
  name: 'info',
  usage: 'info [OPTIONS]',
  description: 'Display system-wide information',
  flags: [inspectFormatFlag] as const,
  args: { max: 0 },
  async run(cli, opts) {
    if (opts.format === '') return prettyInfo(cli);
    const format = opts.format === JSON_FORMAT_KEY ? JSON_FORMAT : opts.format;
    let tmpl: Template | undefined;
    let parseErr: TemplateParseError | undefined;
    try {
      tmpl = Template.parse(format);
    } catch (e) {
      if (!(e instanceof TemplateParseError)) throw e;
      parseErr = e;
    }
    const client = clientInfo(cli);
    let server: Info | undefined;
    const serverErrors: string[] = [];
    let connErr: unknown;
    // compat: like docker, an unparsable template still asks the daemon first (needsServerInfo)
    if (!tmpl || needsServerInfo(format, tmpl, client)) {
      try {
        server = await cli.client.info();
      } catch (e) {
        if (e instanceof ConnectionError) connErr = e;
        else {
          serverErrors.push(cli.errorText(e));
          cli.err.write(cli.errorText(e) + '\n');
        }
      }
    }
    if (!tmpl) {
      const msgs = connErr ? [cli.errorText(connErr)] : [];
      msgs.push(`template parsing error: ${parseErr!.message}`);
      throw new StatusError(msgs.join('\n'), 64);
    }
    const data: Record<string, unknown> = { ...(server ?? (JSON.parse(ZERO_INFO_JSON) as Record<string, unknown>)) };
    if (serverErrors.length) data['ServerErrors'] = serverErrors;
    data['ClientInfo'] = client;
    let text: string;
    let execErr: TemplateExecError | undefined;
    try {
      text = tmpl.execute(data);
    } catch (e) {
      if (!(e instanceof TemplateExecError)) throw e;
      execErr = e;
      text = e.partial;
    }
    cli.out.write(text + '\n');
    if (connErr && execErr) throw new CliError(`${cli.errorText(connErr)}\n${execErr.message}`);
    if (connErr) throw connErr;
    if (execErr) throw new CliError(execErr.message);
  },
});

async function prettyInfo(cli: Cli): Promise<void> {
  let server: Info | undefined;
  let connErr: unknown;
  const serverErrors: string[] = [];
  try {
    server = await cli.client.info();
  } catch (e) {
    if (e instanceof ConnectionError) connErr = e;
    else serverErrors.push(cli.errorText(e));
  }
  let out = 'Client:\n';
  out += lnNonEmpty(' Version:   ', cli.build.version);
  out += ln(' Context:   ', cli.currentContext);
  out += ln(' Debug Mode:', cli.debug);
  out += '\nServer:\n';
  cli.out.write(out);
  if (server) {
    let userName = '';
    try {
      userName = cli.config().auths?.['https://index.docker.io/v1/']?.username ?? '';
    } catch {
      // an unreadable config file does not stop info
    }
    cli.out.write(prettyServerInfo(server, cli.debug, userName));
    for (const w of server.Warnings ?? []) cli.err.write(w + '\n');
  }
  for (const e of serverErrors) cli.err.write(`ERROR: ${e}\n`);
  if (connErr) throw connErr;
  if (serverErrors.length) throw new CliError('errors pretty printing info');
}

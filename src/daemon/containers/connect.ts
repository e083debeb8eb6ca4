/**
 * `network connect` and `network disconnect` of a container (moby daemon/container_operations.go
 * ConnectToNetwork, DisconnectFromNetwork): a running container's sandbox gains or loses an
 * endpoint at once; a stopped one's settings change for its next start. A first user-defined
 * network starts the embedded DNS for the container (resolv-conf.ts); a disconnect never stops it.
 */
import { forbidden, invalidParameter, type Ctx } from '../../lib/index.js';
import { isRunning } from '../../containers/index.js';
import type { EndpointSettings } from '../../api/types/index.js';
import type { NetworkInfo } from '../../network/index.js';
import type { ContainersServiceBase } from './service.js';
import { aliasesFor, endpointOf, endpointSettings, fullSettings, hostsEntry } from './network.js';
import { rebuildResolvConf } from './resolv-conf.js';
import { promises as fs } from 'node:fs';

/** Docker's refusals for containers whose networking is not theirs to change. */
function checkMode(svc: ContainersServiceBase, mode: string | undefined, net: NetworkInfo): void {
  const m = mode || 'default';
  if (m.startsWith('container:')) throw forbidden('container sharing network namespace with another container or host cannot be connected to any other network');
  const kind = m === 'default' ? 'bridge' : svc.deps.network.has(m) ? svc.deps.network.find(m).driver : '';
  if (kind === 'host' || net.driver === 'host') throw invalidParameter('container cannot be disconnected from host network or connected to host network');
  if (kind === 'null' || net.driver === 'null') throw invalidParameter('container cannot be connected to multiple networks with one of the networks in private (none) mode');
}

export async function connectNetwork(svc: ContainersServiceBase, ctx: Ctx, ref: string, netRef: string, cfg: EndpointSettings | undefined): Promise<void> {
  const net = svc.deps.network.find(netRef);
  const id = svc.store.get(ref).ID;
  await svc.mutex.run(id, async () => {
    const rec = svc.store.get(id);
    checkMode(svc, rec.HostConfig.NetworkMode, net);
    const ipv4 = cfg?.IPAMConfig?.IPv4Address;
    if (net.predefined && (ipv4 || cfg?.IPAMConfig?.IPv6Address)) throw invalidParameter('user specified IP address is supported on user defined networks only');
    if (net.predefined && cfg?.Aliases?.length) throw invalidParameter('network-scoped alias is supported only for containers in user defined networks');
    const requested = endpointSettings({ IPAMConfig: cfg?.IPAMConfig ?? {}, Links: cfg?.Links ?? null, Aliases: aliasesFor(id, net.name, cfg?.Aliases), DriverOpts: cfg?.DriverOpts ?? {} });
    if (isRunning(rec.State) && rec.NetworkSettings.SandboxKey) {
      if (rec.NetworkSettings.Networks?.[net.name]?.EndpointID) throw forbidden(`endpoint with name ${rec.Name.replace(/^\//, '')} already exists in network ${net.name}`);
      const ep = await svc.deps.network.connect(ctx, id, { network: net.id, aliases: requested.Aliases ?? [], ipv4: ipv4 || undefined, ipv6: cfg?.IPAMConfig?.IPv6Address || undefined, links: cfg?.Links ?? undefined });
      const updated = await svc.store.update(ctx, id, (d) => {
        d.NetworkSettings = fullSettings({ ...d.NetworkSettings, Networks: { ...d.NetworkSettings.Networks, [net.name]: endpointOf(requested, id, ep) } });
      });
      if (ep.ip) await fs.appendFile(updated.HostsPath, hostsEntry(ep.ip, updated.Config.Hostname ?? '', updated.Config.Domainname ?? '')).catch(() => {});
      // compat: joining a user-defined network starts the sandbox's resolver (moby
      // populateNetworkResources -> startResolver -> rebuildDNS): 127.0.0.11 in resolv.conf
      if (!net.predefined) await rebuildResolvConf(updated.ResolvConfPath);
      svc.emitNetwork('connect', ep, id);
      return;
    }
    await svc.store.update(ctx, id, (d) => {
      d.NetworkSettings = fullSettings({ ...d.NetworkSettings, Networks: { ...d.NetworkSettings.Networks, [net.name]: requested } });
    });
  });
}

export async function disconnectNetwork(svc: ContainersServiceBase, ctx: Ctx, ref: string, netRef: string, _force: boolean): Promise<void> {
  const net = svc.deps.network.find(netRef);
  const id = svc.store.get(ref).ID;
  await svc.mutex.run(id, async () => {
    const rec = svc.store.get(id);
    const m = rec.HostConfig.NetworkMode || 'default';
    if (m === 'host' || net.driver === 'host') throw invalidParameter('container cannot be disconnected from host network or connected to host network');
    const ep = rec.NetworkSettings.Networks?.[net.name];
    if (!ep) throw forbidden(`container ${id} is not connected to network ${net.name}`);
    const live = isRunning(rec.State) && !!ep.EndpointID && (await svc.deps.network.disconnect(ctx, id, net.id));
    await svc.store.update(ctx, id, (d) => {
      const networks = { ...d.NetworkSettings.Networks };
      delete networks[net.name];
      d.NetworkSettings = fullSettings({ ...d.NetworkSettings, Networks: networks, ...(live && net.name === 'bridge' ? { Ports: {} } : {}) });
    });
    if (live) {
      if (ep.IPAddress) {
        const line = hostsEntry(ep.IPAddress, rec.Config.Hostname ?? '', rec.Config.Domainname ?? '');
        const text = await fs.readFile(rec.HostsPath, 'utf8').catch(() => undefined);
        if (text?.includes(line)) await fs.writeFile(rec.HostsPath, text.replace(line, '')).catch(() => {});
      }
      svc.emitNetwork('disconnect', { networkName: net.name, networkId: net.id }, id);
    }
  });
}

/**
 * Compose's operations on the Engine API (through client/): converge a project (`up`: networks,
 * volumes, images, then each service in dependency order, waiting for depends_on conditions),
 * tear it down (`down`), and the per-container verbs (start, stop, restart, kill, pause,
 * unpause, rm). Containers are found by their `com.docker.compose.project` label, so a project
 * is recognised whatever tool made it (Compose v2 names and labels).
 *
 * Progress is reported as Compose v2's plain progress lines, through `progress`:
 *   " Container shop-web-1  Started"
 */
import type { EngineClient } from '../client/index.js';
import { isNotFound } from '../lib/index.js';
import type { ContainerJSON, ContainerSummary, ContainerWaitResponse, ImageInspect } from '../api/types/index.js';
import { COMPOSE_VERSION, LABEL, dependencyOrder, replicasOf, type Project, type Service } from './project.js';
import { createRequest, endpointConfig, imageName, orderedNetworks, serviceHash, type CreateOptions } from './convert.js';

export type ProgressFn = (kind: 'Container' | 'Network' | 'Volume' | 'Image' | 'Service', name: string, status: string) => void;

export interface UpOptions {
  forceRecreate?: boolean;
  noRecreate?: boolean;
  removeOrphans?: boolean;
  /** service -> replicas (--scale) */
  scale?: Record<string, number>;
  /** Only these services (and their dependencies). */
  services?: string[];
  noDeps?: boolean;
  noStart?: boolean;
  /** Stop timeout (seconds) for recreation. */
  timeout?: number;
  /** Builds a service's image (`build:`); called when the image is missing or `--build`. */
  build?: (s: Service) => Promise<void>;
  alwaysBuild?: boolean;
  noBuild?: boolean;
}

export interface DownOptions {
  volumes?: boolean;
  removeOrphans?: boolean;
  timeout?: number;
  rmi?: 'all' | 'local';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** "/shop-web-1" -> "shop-web-1" */
export const nameOf = (c: Pick<ContainerSummary, 'Names'>) => (c.Names?.[0] ?? '').replace(/^\//, '');
export const numberOf = (c: Pick<ContainerSummary, 'Labels'>) => Number(c.Labels?.[LABEL.number] ?? 0);

export class ComposeService {
  constructor(
    private readonly client: EngineClient,
    private readonly progress: ProgressFn = () => {},
    private readonly warn: (msg: string) => void = () => {},
  ) {}

  /** The project's containers (oneoff: false = service containers only; true = run containers only). */
  async containers(project: string, opts: { all?: boolean; services?: string[]; oneoff?: boolean } = {}): Promise<ContainerSummary[]> {
    const label = [`${LABEL.project}=${project}`];
    if (opts.oneoff !== undefined) label.push(`${LABEL.oneoff}=${opts.oneoff ? 'True' : 'False'}`);
    const list = await this.client.get<ContainerSummary[]>('/containers/json', { query: { all: opts.all ?? false, filters: { label } } });
    const wanted = opts.services?.length ? new Set(opts.services) : undefined;
    return list
      .filter((c) => !wanted || wanted.has(c.Labels[LABEL.service] ?? ''))
      .sort((a, b) => (a.Labels[LABEL.service] ?? '').localeCompare(b.Labels[LABEL.service] ?? '') || numberOf(a) - numberOf(b));
  }

  /** Projects known to the daemon, from container labels. */
  async projects(all: boolean): Promise<{ name: string; status: string; configFiles: string }[]> {
    const list = await this.client.get<ContainerSummary[]>('/containers/json', { query: { all, filters: { label: [LABEL.project] } } });
    const by = new Map<string, ContainerSummary[]>();
    for (const c of list) {
      const p = c.Labels[LABEL.project]!;
      by.set(p, [...(by.get(p) ?? []), c]);
    }
    return [...by.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, cs]) => {
        const states = new Map<string, number>();
        for (const c of cs) states.set(c.State, (states.get(c.State) ?? 0) + 1);
        const status = [...states.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([s, n]) => `${s}(${n})`)
          .join(', ');
        return { name, status, configFiles: cs[0]!.Labels[LABEL.configFiles] ?? '' };
      });
  }

  /** Creates the project's networks that do not exist (external ones must). */
  async ensureNetworks(project: Project, keys: Iterable<string>): Promise<void> {
    for (const key of keys) {
      const n = project.networks[key];
      if (!n) continue;
      try {
        await this.client.get(`/networks/${encodeURIComponent(n.name)}`);
        continue;
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      if (n.external) throw new Error(`network ${n.name} declared as external, but could not be found`);
      this.progress('Network', n.name, 'Creating');
      const ipam = n.ipam?.config?.length
        ? { Driver: n.ipam.driver ?? 'default', Config: n.ipam.config.map((c) => ({ ...(c.subnet ? { Subnet: c.subnet } : {}), ...(c.gateway ? { Gateway: c.gateway } : {}), ...(c.ip_range ? { IPRange: c.ip_range } : {}) })), Options: {} }
        : undefined;
      await this.client.post('/networks/create', {
        body: {
          Name: n.name,
          CheckDuplicate: true,
          Driver: n.driver ?? 'bridge',
          Options: n.driver_opts ?? {},
          Internal: n.internal ?? false,
          Attachable: n.attachable ?? false,
          ...(n.enable_ipv6 ? { EnableIPv6: true } : {}),
          ...(ipam ? { IPAM: ipam } : {}),
          Labels: { ...(n.labels ?? {}), [LABEL.project]: project.name, [LABEL.network]: key, [LABEL.version]: COMPOSE_VERSION },
        },
      });
      this.progress('Network', n.name, 'Created');
    }
  }

  /** Creates the project's named volumes that do not exist (external ones must). */
  async ensureVolumes(project: Project, keys: Iterable<string>): Promise<void> {
    for (const key of keys) {
      const v = project.volumes[key];
      if (!v) continue;
      try {
        await this.client.get(`/volumes/${encodeURIComponent(v.name)}`);
        continue;
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      if (v.external) throw new Error(`external volume "${v.name}" not found`);
      this.progress('Volume', v.name, 'Creating');
      await this.client.post('/volumes/create', {
        body: { Name: v.name, Driver: v.driver ?? 'local', DriverOpts: v.driver_opts ?? {}, Labels: { ...(v.labels ?? {}), [LABEL.project]: project.name, [LABEL.volume]: key, [LABEL.version]: COMPOSE_VERSION } },
      });
      this.progress('Volume', v.name, 'Created');
    }
  }

  private async imageId(ref: string): Promise<string | undefined> {
    try {
      return (await this.client.get<ImageInspect>(`/images/${ref}/json`)).Id;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** Makes sure the service's image exists: build it (build:) or pull it. Returns its ID. */
  async ensureImage(project: Project, s: Service, opts: UpOptions): Promise<string | undefined> {
    const ref = imageName(project, s);
    if (s.build && opts.build && !opts.noBuild && (opts.alwaysBuild || !(await this.imageId(ref)))) {
      await opts.build(s);
      return this.imageId(ref);
    }
    const id = await this.imageId(ref);
    if (id) return id;
    if (s.build && !opts.build) throw new Error(`image ${ref} not found; build it first`);
    this.progress('Image', s.name, 'Pulling');
    const [repo, tag] = splitRef(ref);
    for await (const m of this.client.jsonStream<{ error?: string; errorDetail?: { message: string } }>('POST', '/images/create', { query: { fromImage: repo, tag } })) {
      if (m.error) throw new Error(m.errorDetail?.message ?? m.error);
    }
    this.progress('Image', s.name, 'Pulled');
    return this.imageId(ref);
  }

  /** The services `up` touches: the selection plus (unless noDeps) their dependencies, in order. */
  selection(project: Project, services: string[] | undefined, noDeps = false): string[] {
    const order = dependencyOrder(project.services);
    if (!services?.length) return order;
    for (const s of services) if (!project.services[s]) throw new Error(`no such service: ${s}`);
    const want = new Set(services);
    if (!noDeps) {
      const add = (n: string) => {
        for (const d of Object.keys(project.services[n]?.depends_on ?? {})) {
          if (!want.has(d) && project.services[d]) {
            want.add(d);
            add(d);
          }
        }
      };
      services.forEach(add);
    }
    return order.filter((n) => want.has(n));
  }

  /** `up`: converge every selected service, dependencies first. Returns the containers' names. */
  async up(project: Project, opts: UpOptions = {}): Promise<string[]> {
    const names = this.selection(project, opts.services, opts.noDeps);
    const all = await this.containers(project.name, { all: true, oneoff: false });
    const orphans = all.filter((c) => !project.services[c.Labels[LABEL.service] ?? ''] && !project.disabled[c.Labels[LABEL.service] ?? '']);
    if (orphans.length) {
      if (opts.removeOrphans) {
        for (const c of orphans) await this.removeContainer(c, opts.timeout, true);
      } else {
        this.warn(`Found orphan containers ([${orphans.map(nameOf).join(' ')}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`);
      }
    }
    const netKeys = new Set<string>();
    const volKeys = new Set<string>();
    for (const n of names) {
      const s = project.services[n]!;
      for (const k of Object.keys(s.networks ?? {})) netKeys.add(k);
      for (const v of s.volumes ?? []) if (v.type === 'volume' && v.source) volKeys.add(v.source);
    }
    await this.ensureNetworks(project, netKeys);
    await this.ensureVolumes(project, volKeys);
    const images = new Map<string, string | undefined>();
    // builds one at a time (they share the machine), then pulls and lookups at once
    for (const n of names) if (project.services[n]!.build) images.set(n, await this.ensureImage(project, project.services[n]!, opts));
    await Promise.all(names.filter((n) => !project.services[n]!.build).map(async (n) => images.set(n, await this.ensureImage(project, project.services[n]!, opts))));
    // each service as soon as its dependencies are done (Compose v2's graph traversal)
    const done = new Map<string, Promise<string[]>>();
    const converge = (n: string): Promise<string[]> => {
      let p = done.get(n);
      if (!p) {
        const s = project.services[n]!;
        p = (async () => {
          await Promise.all(Object.keys(s.depends_on ?? {}).filter((d) => names.includes(d)).map(converge));
          if (!opts.noStart) await this.waitDependencies(project, s);
          return this.converge(project, s, all.filter((c) => c.Labels[LABEL.service] === n), images.get(n), opts);
        })();
        done.set(n, p);
      }
      return p;
    };
    const results = await Promise.all(names.map(converge));
    return results.flat();
  }

  private async converge(project: Project, s: Service, existing: ContainerSummary[], imageId: string | undefined, opts: UpOptions): Promise<string[]> {
    const want = opts.scale?.[s.name] ?? replicasOf(s);
    const hash = serviceHash(s);
    const out: string[] = [];
    const sorted = [...existing].sort((a, b) => numberOf(a) - numberOf(b));
    // scale down: the highest numbers go
    for (const c of sorted.slice(want).reverse()) await this.removeContainer(c, opts.timeout, true);
    const keep = sorted.slice(0, want);
    const used = new Set(keep.map(numberOf));
    const tasks: Promise<string>[] = [];
    for (const c of keep) {
      const stale = c.Labels[LABEL.configHash] !== hash || (imageId !== undefined && c.ImageID !== imageId);
      if (opts.forceRecreate || (stale && !opts.noRecreate)) {
        tasks.push(
          (async () => {
            const name = nameOf(c);
            this.progress('Container', name, 'Recreate');
            await this.stopContainer(c.Id, opts.timeout, undefined);
            await this.client.delete(`/containers/${c.Id}`, { query: { v: false, force: true } });
            const id = await this.createContainer(project, s, { number: numberOf(c) });
            this.progress('Container', name, 'Recreated');
            if (!opts.noStart) await this.startContainer(id, name);
            return name;
          })(),
        );
      } else if (c.State !== 'running' && !opts.noStart) {
        tasks.push(this.startContainer(c.Id, nameOf(c)).then(() => nameOf(c)));
      } else {
        if (c.State === 'running') this.progress('Container', nameOf(c), 'Running');
        tasks.push(Promise.resolve(nameOf(c)));
      }
    }
    for (let n = 1; used.size < want; n++) {
      if (used.has(n)) continue;
      used.add(n);
      const number = n;
      tasks.push(
        (async () => {
          const name = createRequest(project, s, { number }).name;
          this.progress('Container', name, 'Creating');
          const id = await this.createContainer(project, s, { number });
          this.progress('Container', name, 'Created');
          if (!opts.noStart) await this.startContainer(id, name);
          return name;
        })(),
      );
    }
    out.push(...(await Promise.all(tasks)));
    return out;
  }

  /** Creates container `opts.number` of `s` and connects its extra networks. Returns its ID. */
  async createContainer(project: Project, s: Service, opts: CreateOptions): Promise<string> {
    let nmContainer: string | undefined;
    if (s.network_mode?.startsWith('service:')) {
      const target = (await this.containers(project.name, { services: [s.network_mode.slice(8)], oneoff: false }))[0];
      if (!target) throw new Error(`service ${s.network_mode.slice(8)} has no running container`);
      nmContainer = target.Id;
    }
    const { name, body } = createRequest(project, s, { ...opts, networkModeContainer: nmContainer });
    const r = await this.client.post<{ Id: string }>('/containers/create', { query: { name }, body });
    if (!s.network_mode) {
      for (const [key] of orderedNetworks(s).slice(1)) {
        const net = project.networks[key]?.name ?? key;
        await this.client.post(`/networks/${encodeURIComponent(net)}/connect`, { body: { Container: r.Id, EndpointConfig: endpointConfig(project, s, key, name) } });
      }
    }
    return r.Id;
  }

  async startContainer(id: string, name: string): Promise<void> {
    this.progress('Container', name, 'Starting');
    await this.client.post(`/containers/${id}/start`);
    this.progress('Container', name, 'Started');
  }

  private async stopContainer(id: string, timeout: number | undefined, name: string | undefined): Promise<void> {
    if (name) this.progress('Container', name, 'Stopping');
    await this.client.post(`/containers/${id}/stop`, { query: { t: timeout } });
    if (name) this.progress('Container', name, 'Stopped');
  }

  private async removeContainer(c: ContainerSummary, timeout: number | undefined, stop: boolean, volumes = false): Promise<void> {
    const name = nameOf(c);
    if (stop && c.State === 'running') await this.stopContainer(c.Id, timeout, name);
    this.progress('Container', name, 'Removing');
    await this.client.delete(`/containers/${c.Id}`, { query: { v: volumes, force: true } });
    this.progress('Container', name, 'Removed');
  }

  /** Waits for the depends_on conditions of `s` (healthy, completed successfully, started). */
  async waitDependencies(project: Project, s: Service): Promise<void> {
    for (const [dep, d] of Object.entries(s.depends_on ?? {})) {
      if (!project.services[dep] || d.condition === 'service_started') continue;
      const cs = await this.containers(project.name, { all: true, services: [dep], oneoff: false });
      for (const c of cs) {
        const name = nameOf(c);
        if (d.condition === 'service_healthy') {
          this.progress('Container', name, 'Waiting');
          for (;;) {
            const info = await this.client.get<ContainerJSON>(`/containers/${c.Id}/json`);
            const h = info.State.Health?.Status;
            if (!h) throw new Error(`container ${name} has no healthcheck configured`);
            if (h === 'healthy') break;
            if (h === 'unhealthy') throw new Error(`dependency failed to start: container ${name} is unhealthy`);
            if (!info.State.Running) throw new Error(`dependency failed to start: container ${name} exited (${info.State.ExitCode})`);
            await sleep(200);
          }
          this.progress('Container', name, 'Healthy');
        } else {
          this.progress('Container', name, 'Waiting');
          const w = await this.client.post<ContainerWaitResponse>(`/containers/${c.Id}/wait`, { query: { condition: 'not-running' } });
          if (w.StatusCode !== 0) throw new Error(`service "${dep}" didn't complete successfully: exit ${w.StatusCode}`);
          this.progress('Container', name, 'Exited');
        }
      }
    }
  }

  /** Waits until every listed container runs (and is healthy when it has a health check): `up --wait`. */
  async waitRunning(ids: string[], timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const id of ids) {
      for (;;) {
        const info = await this.client.get<ContainerJSON>(`/containers/${id}/json`);
        const name = info.Name.replace(/^\//, '');
        if (!info.State.Running) throw new Error(`container ${name} exited (${info.State.ExitCode})`);
        const h = info.State.Health?.Status;
        if (h === 'unhealthy') throw new Error(`container ${name} is unhealthy`);
        if (!h || h === 'healthy') {
          this.progress('Container', name, 'Healthy');
          break;
        }
        if (Date.now() > deadline) throw new Error(`timeout waiting for ${name} to be healthy`);
        await sleep(200);
      }
    }
  }

  /** `down`: stop and remove containers (reverse dependency order), networks, and with -v volumes. */
  async down(projectName: string, project: Project | undefined, opts: DownOptions = {}): Promise<void> {
    const all = await this.containers(projectName, { all: true });
    const known = (c: ContainerSummary) => !project || Boolean(project.services[c.Labels[LABEL.service] ?? ''] || project.disabled[c.Labels[LABEL.service] ?? '']) || c.Labels[LABEL.oneoff] === 'True';
    const orphans = all.filter((c) => !known(c));
    if (orphans.length && !opts.removeOrphans) {
      this.warn(`Found orphan containers ([${orphans.map(nameOf).join(' ')}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`);
    }
    const targets = all.filter((c) => known(c) || opts.removeOrphans);
    const order = project ? dependencyOrder({ ...project.services }) : [];
    const rank = (c: ContainerSummary) => {
      const i = order.indexOf(c.Labels[LABEL.service] ?? '');
      return i < 0 ? Number.MAX_SAFE_INTEGER : i;
    };
    // stop by levels: dependants (higher rank) first, each level in parallel
    const levels = [...new Set(targets.map(rank))].sort((a, b) => b - a);
    for (const lv of levels) {
      await Promise.all(targets.filter((c) => rank(c) === lv).map((c) => this.removeContainer(c, opts.timeout, true, opts.volumes)));
    }
    // networks: the project's (from the file) or, without one, those labelled with the project
    const nets: string[] = [];
    if (project) {
      for (const n of Object.values(project.networks)) if (!n.external) nets.push(n.name);
    } else {
      const list = await this.client.get<{ Name: string }[]>('/networks', { query: { filters: { label: [`${LABEL.project}=${projectName}`] } } });
      nets.push(...list.map((n) => n.Name));
    }
    for (const n of nets) {
      try {
        await this.client.get(`/networks/${encodeURIComponent(n)}`);
      } catch (e) {
        if (isNotFound(e)) continue;
        throw e;
      }
      this.progress('Network', n, 'Removing');
      await this.client.delete(`/networks/${encodeURIComponent(n)}`);
      this.progress('Network', n, 'Removed');
    }
    if (opts.volumes) {
      const vols: string[] = [];
      if (project) {
        for (const v of Object.values(project.volumes)) if (!v.external) vols.push(v.name);
      } else {
        const r = await this.client.get<{ Volumes: { Name: string }[] | null }>('/volumes', { query: { filters: { label: [`${LABEL.project}=${projectName}`] } } });
        vols.push(...(r.Volumes ?? []).map((v) => v.Name));
      }
      for (const v of vols) {
        try {
          await this.client.get(`/volumes/${encodeURIComponent(v)}`);
        } catch (e) {
          if (isNotFound(e)) continue;
          throw e;
        }
        this.progress('Volume', v, 'Removing');
        await this.client.delete(`/volumes/${encodeURIComponent(v)}`);
        this.progress('Volume', v, 'Removed');
      }
    }
    if (opts.rmi && project) {
      const refs = new Set<string>();
      for (const s of Object.values(project.services)) if (opts.rmi === 'all' || !s.image) refs.add(imageName(project, s));
      for (const ref of refs) {
        try {
          this.progress('Image', ref, 'Removing');
          await this.client.delete(`/images/${ref}`);
          this.progress('Image', ref, 'Removed');
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      }
    }
  }

  /** Runs one per-container verb on the project's containers, dependency-ordered. */
  async each(
    projectName: string,
    project: Project | undefined,
    services: string[],
    verb: 'start' | 'stop' | 'restart' | 'kill' | 'pause' | 'unpause' | 'rm',
    opts: { timeout?: number; signal?: string; volumes?: boolean; all?: boolean } = {},
  ): Promise<ContainerSummary[]> {
    const stateFilter: Record<string, (c: ContainerSummary) => boolean> = {
      start: (c) => c.State !== 'running',
      stop: (c) => c.State === 'running' || c.State === 'paused',
      restart: () => true,
      kill: (c) => c.State === 'running',
      pause: (c) => c.State === 'running',
      unpause: (c) => c.State === 'paused',
      rm: (c) => c.State !== 'running',
    };
    const list = (await this.containers(projectName, { all: true, services, oneoff: verb === 'rm' && opts.all ? undefined : false })).filter(stateFilter[verb]!);
    const order = project ? dependencyOrder(project.services) : [];
    const rank = (c: ContainerSummary) => order.indexOf(c.Labels[LABEL.service] ?? '');
    const reverse = verb === 'stop' || verb === 'kill' || verb === 'rm' || verb === 'pause';
    const levels = [...new Set(list.map(rank))].sort((a, b) => (reverse ? b - a : a - b));
    const past: Record<string, string> = { start: 'Started', stop: 'Stopped', restart: 'Restarted', kill: 'Killed', pause: 'Paused', unpause: 'Unpaused', rm: 'Removed' };
    const present: Record<string, string> = { start: 'Starting', stop: 'Stopping', restart: 'Restarting', kill: 'Killing', pause: 'Pausing', unpause: 'Unpausing', rm: 'Removing' };
    for (const lv of levels) {
      await Promise.all(
        list
          .filter((c) => rank(c) === lv)
          .map(async (c) => {
            const name = nameOf(c);
            if (verb === 'start' && project) await this.waitDependencies(project, project.services[c.Labels[LABEL.service] ?? ''] ?? { name: '' });
            this.progress('Container', name, present[verb]!);
            if (verb === 'rm') await this.client.delete(`/containers/${c.Id}`, { query: { v: opts.volumes ?? false } });
            else if (verb === 'kill') await this.client.post(`/containers/${c.Id}/kill`, { query: { signal: opts.signal } });
            else if (verb === 'stop' || verb === 'restart') await this.client.post(`/containers/${c.Id}/${verb}`, { query: { t: opts.timeout } });
            else await this.client.post(`/containers/${c.Id}/${verb}`);
            this.progress('Container', name, past[verb]!);
          }),
      );
    }
    return list;
  }
}

/** "busybox" -> ["busybox", "latest"]; "reg:5000/a/b:v1" -> ["reg:5000/a/b", "v1"]; digests kept. */
export function splitRef(ref: string): [string, string] {
  if (ref.includes('@')) {
    const i = ref.indexOf('@');
    return [ref.slice(0, i), ref.slice(i + 1)];
  }
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return [ref.slice(0, colon), ref.slice(colon + 1)];
  return [ref, 'latest'];
}

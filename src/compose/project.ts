/**
 * The project model: what the loader produces and every command works on. Field names are the
 * compose-spec's own (snake_case), in their normalised (long) forms, so `berth compose config`
 * prints the model as it is.
 */

export interface PortConfig {
  target: number;
  published?: string;
  host_ip?: string;
  protocol: string;
  mode?: string;
}

export interface ServiceVolume {
  type: 'volume' | 'bind' | 'tmpfs';
  /** Volume name (as written in the file) or host path (absolute). Absent: anonymous volume. */
  source?: string;
  target: string;
  read_only?: boolean;
  bind?: { create_host_path?: boolean };
  volume?: { nocopy?: boolean };
}

export interface ServiceNetwork {
  aliases?: string[];
  ipv4_address?: string;
  ipv6_address?: string;
  priority?: number;
}

export interface DependsOn {
  condition: 'service_started' | 'service_healthy' | 'service_completed_successfully';
  required: boolean;
  restart?: boolean;
}

export interface Healthcheck {
  test?: string[];
  interval?: string;
  timeout?: string;
  retries?: number;
  start_period?: string;
  disable?: boolean;
}

export interface BuildConfig {
  context: string;
  dockerfile?: string;
  args?: Record<string, string>;
  target?: string;
}

export interface Service {
  name: string;
  image?: string;
  build?: BuildConfig;
  command?: string[] | null;
  entrypoint?: string[] | null;
  environment?: Record<string, string | null>;
  ports?: PortConfig[];
  expose?: string[];
  volumes?: ServiceVolume[];
  networks?: Record<string, ServiceNetwork | null>;
  network_mode?: string;
  depends_on?: Record<string, DependsOn>;
  healthcheck?: Healthcheck;
  restart?: string;
  deploy?: { replicas?: number; resources?: { limits?: { cpus?: string; memory?: string } } };
  scale?: number;
  labels?: Record<string, string>;
  user?: string;
  working_dir?: string;
  hostname?: string;
  domainname?: string;
  dns?: string[];
  extra_hosts?: string[];
  cap_add?: string[];
  cap_drop?: string[];
  tmpfs?: string[];
  init?: boolean;
  stop_signal?: string;
  stop_grace_period?: string;
  logging?: { driver?: string; options?: Record<string, string> };
  profiles?: string[];
  container_name?: string;
  privileged?: boolean;
  read_only?: boolean;
  tty?: boolean;
  stdin_open?: boolean;
  shm_size?: string;
  security_opt?: string[];
  pull_policy?: string;
  mem_limit?: string;
  cpus?: string;
  sysctls?: Record<string, string>;
  ulimits?: Record<string, { soft: number; hard: number }>;
  secrets?: { source: string; target: string }[];
  configs?: { source: string; target: string }[];
}

export interface NetworkConfig {
  name: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  external?: boolean;
  internal?: boolean;
  attachable?: boolean;
  enable_ipv6?: boolean;
  labels?: Record<string, string>;
  ipam?: { driver?: string; config?: { subnet?: string; gateway?: string; ip_range?: string }[] };
}

export interface VolumeConfig {
  name: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  external?: boolean;
  labels?: Record<string, string>;
}

export interface FileObjectConfig {
  name: string;
  file?: string;
  external?: boolean;
}

export interface Project {
  name: string;
  /** Absolute project directory. */
  workingDir: string;
  /** Absolute paths of the files loaded, in order. */
  configFiles: string[];
  services: Record<string, Service>;
  /** Services left out by profiles (kept so that `run` and explicit names can still reach them). */
  disabled: Record<string, Service>;
  networks: Record<string, NetworkConfig>;
  volumes: Record<string, VolumeConfig>;
  secrets: Record<string, FileObjectConfig>;
  configs: Record<string, FileObjectConfig>;
  /** The variables interpolation saw (process env over .env). */
  environment: Record<string, string>;
}

/** Compose v2's label keys. */
export const LABEL = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  number: 'com.docker.compose.container-number',
  oneoff: 'com.docker.compose.oneoff',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
  environmentFile: 'com.docker.compose.project.environment_file',
  configHash: 'com.docker.compose.config-hash',
  version: 'com.docker.compose.version',
  image: 'com.docker.compose.image',
  dependsOn: 'com.docker.compose.depends_on',
  network: 'com.docker.compose.network',
  volume: 'com.docker.compose.volume',
  replace: 'com.docker.compose.replace',
} as const;

/** The compose version written into labels (the Compose v2 release whose behaviour we follow). */
export const COMPOSE_VERSION = '2.29.7';

/** Services in dependency order (dependencies first). Throws on a cycle. */
export function dependencyOrder(services: Record<string, Service>): string[] {
  const out: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error(`dependency cycle detected: ${[...path, name].join(' -> ')}`);
    state.set(name, 'visiting');
    for (const dep of Object.keys(services[name]?.depends_on ?? {})) if (services[dep]) visit(dep, [...path, name]);
    state.set(name, 'done');
    out.push(name);
  };
  for (const name of Object.keys(services).sort()) visit(name, []);
  return out;
}

/** The replicas a service runs (scale, else deploy.replicas, else 1). */
export function replicasOf(s: Service): number {
  return s.scale ?? s.deploy?.replicas ?? 1;
}

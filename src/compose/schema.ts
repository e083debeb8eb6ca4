/**
 * The compose file's shape, as far as validation checks it: the keys each section allows and
 * the YAML types each key takes (the compose-spec JSON schema, reduced to what a user gets
 * wrong: unknown keys and wrong types). `x-*` extension keys are allowed everywhere a mapping
 * of known keys is.
 */

export type Kind = 'string' | 'number' | 'boolean' | 'list' | 'map' | 'null';

const S: Kind[] = ['string', 'number'];
const N: Kind[] = ['number', 'string'];
const B: Kind[] = ['boolean'];
const L: Kind[] = ['list'];
const M: Kind[] = ['map'];
const SL: Kind[] = ['string', 'list'];
const LM: Kind[] = ['list', 'map'];
const SM: Kind[] = ['string', 'map'];
const ANY: Kind[] = ['string', 'number', 'boolean', 'list', 'map', 'null'];

export const TOP_LEVEL: Record<string, Kind[]> = {
  version: S,
  name: S,
  services: M,
  networks: M,
  volumes: M,
  secrets: M,
  configs: M,
  include: L,
};

export const SERVICE: Record<string, Kind[]> = {
  image: S,
  build: SM,
  command: [...SL, 'null'],
  entrypoint: [...SL, 'null'],
  environment: LM,
  env_file: SL,
  ports: L,
  expose: L,
  volumes: L,
  networks: LM,
  network_mode: S,
  depends_on: LM,
  healthcheck: M,
  restart: S,
  deploy: M,
  scale: N,
  labels: LM,
  user: S,
  working_dir: S,
  hostname: S,
  domainname: S,
  dns: SL,
  dns_search: SL,
  dns_opt: L,
  extra_hosts: LM,
  cap_add: L,
  cap_drop: L,
  tmpfs: SL,
  init: B,
  stop_signal: S,
  stop_grace_period: S,
  logging: M,
  profiles: L,
  container_name: S,
  privileged: B,
  read_only: B,
  tty: B,
  stdin_open: B,
  shm_size: S,
  security_opt: L,
  pull_policy: S,
  mem_limit: S,
  memswap_limit: S,
  cpus: N,
  cpu_shares: N,
  sysctls: LM,
  ulimits: M,
  secrets: L,
  configs: L,
  extends: SM,
  links: L,
  external_links: L,
  devices: L,
  platform: S,
  pid: S,
  ipc: S,
  cgroup_parent: S,
  group_add: L,
  mac_address: S,
  runtime: S,
  userns_mode: S,
  volumes_from: L,
  annotations: LM,
  attach: B,
  oom_score_adj: N,
  develop: M,
};

export const HEALTHCHECK: Record<string, Kind[]> = {
  test: SL,
  interval: S,
  timeout: S,
  retries: N,
  start_period: S,
  start_interval: S,
  disable: B,
};

export const DEPLOY: Record<string, Kind[]> = {
  replicas: N,
  resources: M,
  restart_policy: M,
  labels: LM,
  mode: S,
  placement: M,
  update_config: M,
  rollback_config: M,
  endpoint_mode: S,
};

export const BUILD: Record<string, Kind[]> = {
  context: S,
  dockerfile: S,
  args: LM,
  target: S,
  labels: LM,
  cache_from: L,
  network: S,
  shm_size: S,
  extra_hosts: LM,
  no_cache: B,
  pull: B,
  platforms: L,
  tags: L,
  ssh: LM,
  secrets: L,
  dockerfile_inline: S,
};

export const NETWORK: Record<string, Kind[]> = {
  name: S,
  driver: S,
  driver_opts: M,
  external: [...B, 'map'],
  internal: B,
  attachable: B,
  enable_ipv6: B,
  labels: LM,
  ipam: M,
};

export const VOLUME: Record<string, Kind[]> = {
  name: S,
  driver: S,
  driver_opts: M,
  external: [...B, 'map'],
  labels: LM,
};

export const FILE_OBJECT: Record<string, Kind[]> = {
  name: S,
  file: S,
  external: [...B, 'map'],
  environment: S,
  content: S,
  labels: LM,
};

export function kindOfValue(v: unknown): Kind {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'map';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'boolean';
  return 'string';
}

const KIND_TEXT: Record<Kind, string> = { string: 'string', number: 'number', boolean: 'boolean', list: 'array', map: 'object', null: 'null' };

/** "must be a string", "must be a string or array" */
export function kindsText(kinds: readonly Kind[]): string {
  const names = [...new Set(kinds.filter((k) => !(k === 'number' && kinds.includes('string'))).map((k) => KIND_TEXT[k]))];
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

export { ANY };

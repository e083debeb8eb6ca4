/**
 * `berth container create` / `berth create IMAGE [COMMAND] [ARG...]`: POST /containers/create
 * with the body docker 28 sends for the same flags (opts.ts, create-request.ts), then the ID
 * on stdout. Shared with run (createContainer):
 *
 *   --cidfile     refused when the file exists; written with the ID, removed on failure
 *   --pull        "always" pulls first; "missing" (default) pulls when create answers 404 for
 *                 a named image, after "Unable to find image 'x:latest' locally" on stderr
 *                 (POST /images/create?fromImage=…&tag=…, progress on stderr); "never" does not
 *   --platform    sent as ?platform=os/arch[/variant]
 *   warnings      the daemon's Warnings (and docker's localhost-DNS one) as "WARNING: …" on stderr
 *
 * Flag-parsing errors are "berth: <error>\n\nRun 'berth create --help' for more information",
 * exit 125; daemon errors are printed as usual, exit 1.
 */
import { existsSync, openSync, closeSync, writeSync, rmSync, readFileSync } from 'node:fs';
import { compareApiVersions, type ContainerCreateResponse } from '../../../api/types/index.js';
import { escapePath, ResponseError } from '../../../client/index.js';
import { isNotFound } from '../../../lib/index.js';
import type { Cli } from '../../cli.js';
import { BIN, defineCommand, StatusError } from '../../command.js';
import { displayJSONMessagesStream } from '../../jsonmessage.js';
import { getCredentials } from '../../credentials.js';
import { parsePlatform, type Platform } from '../../platform.js';
import { familiarString, nameOf, parseAnyReference, parseNormalizedNamed, tagNameOnly, type Reference } from '../../reference.js';
import { canonicalIP, ValueError } from './values.js';
import { encodeCreateRequest } from './create-request.js';
import {
  CONTAINER_FLAGS,
  createOnlyFlags,
  parseContainerOptions,
  ParseError,
  PULL_ALWAYS,
  PULL_MISSING,
  PULL_NEVER,
  type ContainerConfigValue,
} from './opts.js';
import { ttySize } from './session.js';

export interface CreateOptions {
  name: string;
  platform: string;
  pull: string;
  quiet: boolean;
  /** --use-api-socket: bind-mount the daemon's unix socket at /var/run/docker.sock. */
  useApiSocket?: boolean;
}

/** docker's withHelp: "berth: <err>\n\nRun 'berth <cmd> --help' for more information". */
export function withHelp(message: string, cmd: string): string {
  return `${BIN}: ${message}\n\nRun '${BIN} ${cmd} --help' for more information`;
}

/** validatePullOpt. */
export function validatePullOpt(val: string): void {
  if ([PULL_ALWAYS, PULL_MISSING, PULL_NEVER, ''].includes(val)) return;
  throw new ParseError(`invalid pull option: '${val}': must be one of "${PULL_ALWAYS}", "${PULL_MISSING}" or "${PULL_NEVER}"`);
}

/** The proxies of the CLI config for this daemon (configfile.ParseProxyConfig's lookup). */
function proxyConfig(cli: Cli): Record<string, string> | undefined {
  const proxies = cli.config().proxies;
  if (!proxies) return undefined;
  return proxies[cli.host] ?? proxies['default'];
}

/** Parses the flags of create/run; errors become docker's 125 with the help hint. */
export async function parseForCommand(cli: Cli, values: Record<string, unknown>, changed: ReadonlySet<string>, image: string, args: string[], cmd: string): Promise<ContainerConfigValue> {
  try {
    validatePullOpt(values['pull'] as string);
    const serverOS = await cli.client.serverOSType();
    return parseContainerOptions(
      values,
      { changed, image, args, serverOS, lookupEnv: (k) => cli.env[k], proxies: proxyConfig(cli) },
      (p) => readFileSync(p, 'utf8'),
    );
  } catch (e) {
    if (e instanceof ParseError || e instanceof ValueError) throw new StatusError(withHelp(e.message, cmd), 125);
    throw e;
  }
}

/**
 * The X-Registry-Auth header of a pull (RetrieveAuthTokenFromImage): the stored credentials
 * of the image's registry as registry.AuthConfig JSON, base64url with padding; "e30=" ({})
 * when there are none.
 */
export async function registryAuth(cli: Cli, ref: Reference): Promise<string> {
  return encodedAuthFor(cli, ref.domain === 'docker.io' ? 'https://index.docker.io/v1/' : ref.domain);
}

/** The X-Registry-Auth value of the credentials stored under `key` (a host[:port], or Docker Hub's URL). */
export async function encodedAuthFor(cli: Cli, key: string): Promise<string> {
  const c = await getCredentials(cli.config(), key);
  const auth: Record<string, string> = {};
  if (c) {
    if (c.username) auth['username'] = c.username;
    if (c.password) auth['password'] = c.password;
    auth['serveraddress'] = key;
    if (c.identitytoken) auth['identitytoken'] = c.identitytoken;
  }
  return Buffer.from(JSON.stringify(auth)).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** pullImage: POST /images/create?fromImage=…&tag=… with its progress on stderr (nothing with -q). */
export async function pullImage(cli: Cli, image: string, opts: { platform: string; quiet: boolean }): Promise<void> {
  const ref = parseNormalizedNamed(image);
  const tag = ref.digest ?? tagNameOnly(ref).tag ?? '';
  const res = await cli.client.request('POST', '/images/create', {
    query: { fromImage: nameOf(ref), tag, platform: opts.platform ? opts.platform.toLowerCase() : undefined },
    headers: { 'X-Registry-Auth': await registryAuth(cli, ref) },
  });
  const sink = opts.quiet ? { write: () => true } : cli.err;
  await displayJSONMessagesStream(res.body, sink, { isTerminal: !opts.quiet && !!cli.err.isTTY, width: cli.err.columns, now: () => cli.now() });
}

/** The Go path.Join of a platform (formatPlatform). */
function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant ?? ''].filter((x) => x !== '').join('/');
}

/** localhostDNSWarning. */
function localhostDNSWarning(dns: readonly string[]): string | undefined {
  for (const d of dns) {
    const ip = canonicalIP(d);
    if (ip && (ip.startsWith('127.') || ip === '::1')) return `Localhost DNS (${ip}) may fail in containers.`;
  }
  return undefined;
}

/** cidFile: refuses an existing file, creates it, and removes it unless the ID was written. */
class CidFile {
  private fd: number | undefined;
  private written = false;
  constructor(private readonly path: string) {
    if (path === '') return;
    if (existsSync(path)) throw new Error(`container ID file found, make sure the other container isn't running or delete ${path}`);
    try {
      this.fd = openSync(path, 'w', 0o666);
    } catch (e) {
      throw new Error(`failed to create the container ID file: ${(e as Error).message}`);
    }
  }
  write(id: string): void {
    if (this.fd === undefined) return;
    try {
      writeSync(this.fd, id);
    } catch (e) {
      throw new Error(`failed to write the container ID to the file: ${(e as Error).message}`);
    }
    this.written = true;
  }
  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    if (!this.written) {
      try {
        rmSync(this.path);
      } catch (e) {
        throw new Error(`failed to remove the CID file '${this.path}': ${(e as Error).message}`);
      }
    }
  }
}

/** createContainer: see the file header. Resolves to the new container's ID. */
export async function createContainer(cli: Cli, c: ContainerConfigValue, opts: CreateOptions): Promise<string> {
  const cid = new CidFile(c.hostConfig.ContainerIDFile);
  try {
    const ref = parseAnyReference(c.config.Image);
    const namedRef = ref.path !== '' ? tagNameOnly(ref) : undefined;
    const apiVersion = await cli.client.apiVersion();
    let platform: Platform | undefined;
    if (opts.platform !== '' && compareApiVersions(apiVersion, '1.41') >= 0) {
      try {
        platform = parsePlatform(opts.platform);
      } catch (e) {
        throw new Error(`error parsing specified platform: ${(e as Error).message}`);
      }
    }
    if (opts.useApiSocket) {
      const socket = cli.host;
      if (!socket.startsWith('unix://')) {
        throw new Error(`flag --use-api-socket can only be used with unix sockets: docker endpoint ${socket} incompatible`);
      }
      // compat: docker also copies the CLI's registry credentials into the container; Berth
      // has no archive endpoint yet, so it refuses when there are credentials to copy
      if (Object.keys(cli.config().auths ?? {}).length > 0 && !c.config.Env?.some((e) => e.startsWith('DOCKER_CONFIG='))) {
        throw new Error('resolving credentials failed: copying registry credentials into the container is not supported by berth');
      }
      c.hostConfig.Mounts = [
        ...(c.hostConfig.Mounts ?? []),
        {
          Type: 'bind',
          Source: socket.slice('unix://'.length),
          Target: '/var/run/docker.sock',
          ReadOnly: false,
          Consistency: '',
          BindOptions: { Propagation: '', NonRecursive: false, CreateMountpoint: false, ReadOnlyNonRecursive: false, ReadOnlyForceRecursive: false },
          VolumeOptions: null,
          ImageOptions: null,
          TmpfsOptions: null,
        },
      ];
    }
    const pull = () => pullImage(cli, c.config.Image, { platform: opts.platform, quiet: opts.quiet });
    if (opts.pull === PULL_ALWAYS) await pull();
    c.hostConfig.ConsoleSize = ttySize(cli.out);
    const create = async () => {
      const body = encodeCreateRequest(c, apiVersion, platform);
      return cli.client.post<ContainerCreateResponse>('/containers/create', {
        query: { name: opts.name || undefined, platform: platform ? formatPlatform(platform) : undefined },
        rawBody: body,
        headers: { 'Content-Type': 'application/json' },
      });
    };
    let response: ContainerCreateResponse;
    try {
      response = await create();
    } catch (e) {
      if (!(e instanceof ResponseError && isNotFound(e)) || !namedRef || opts.pull !== PULL_MISSING) throw e;
      if (!opts.quiet) cli.err.write(`Unable to find image '${familiarString(namedRef)}' locally\n`);
      await pull();
      response = await create();
    }
    const warnings = [...(response.Warnings ?? [])];
    const dnsWarning = localhostDNSWarning(c.hostConfig.Dns);
    if (dnsWarning) warnings.push(dnsWarning);
    for (const w of warnings) cli.err.write(`WARNING: ${w}\n`);
    cid.write(response.Id);
    return response.Id;
  } finally {
    cid.close();
  }
}

/** Container paths for the client: /containers/<escaped id>. */
export const containerPath = (id: string) => `/containers/${escapePath(id)}`;

export default defineCommand({
  name: 'create',
  usage: 'create [OPTIONS] IMAGE [COMMAND] [ARG...]',
  description: 'Create a new container',
  flags: [...createOnlyFlags('create'), ...CONTAINER_FLAGS],
  args: { min: 1 },
  interspersed: false,
  async run(cli, opts, args, { changed }) {
    const values = opts as unknown as Record<string, unknown>;
    const parsed = await parseForCommand(cli, values, changed, args[0]!, args.slice(1), 'create');
    const id = await createContainer(cli, parsed, { name: opts.name, platform: opts.platform, pull: opts.pull, quiet: opts.quiet, useApiSocket: opts.useApiSocket });
    cli.out.write(`${id}\n`);
  },
});


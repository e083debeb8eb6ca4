/**
 * `Cli` is what a command's run() gets (docker/cli's command.Cli): the output streams, the
 * global options, the config file, and `client`, an EngineClient built from -H/DOCKER_HOST and
 * the TLS flags. The client negotiates its API version on its first request, so commands that
 * never call the daemon never touch it.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EngineClient, ResponseError, DEFAULT_HOST, type TLSOptions } from '../client/index.js';
import { messageOf } from '../lib/index.js';
import type { CliIO, InputStream, OutputStream, SignalSource } from './io.js';
import { defaultConfigDir, loadConfigFile, type ConfigFile } from './config.js';
import { clientBuild, type ClientBuild } from './version-info.js';
import { CliError } from './command.js';

export interface GlobalOptions {
  hosts: string[];
  config: string;
  context: string;
  debug: boolean;
  logLevel: string;
  tls: boolean;
  tlsverify: boolean;
  tlscacert: string;
  tlscert: string;
  tlskey: string;
  /** Global flags given on the command line (kebab names). */
  changed: ReadonlySet<string>;
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
};

/** Reads a file, failing with Go's wording ("open /x/ca.pem: no such file or directory"). */
function readPem(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw new Error(`open ${path}: ${ERRNO_TEXT[code] ?? messageOf(e)}`);
  }
}

/** The default TLS file locations: $DOCKER_CERT_PATH, else the config directory. */
export function defaultCertPath(env: Record<string, string | undefined>): string {
  return env['DOCKER_CERT_PATH'] || defaultConfigDir(env);
}

export class Cli {
  readonly out: OutputStream;
  readonly err: OutputStream;
  readonly in: InputStream;
  readonly env: Record<string, string | undefined>;
  /** Process signals (proxied to containers, SIGWINCH for terminal sizes). */
  readonly signals: SignalSource;
  readonly options: GlobalOptions;
  /** The command path as typed, e.g. ["image", "ls"] or ["images"] (set before run). */
  commandPath: readonly string[] = [];
  private readonly nowFn: () => Date;
  private clientInstance: EngineClient | undefined;
  private configFile: ConfigFile | undefined;
  private buildInfo: ClientBuild | undefined;

  constructor(io: CliIO, options: GlobalOptions) {
    this.out = io.stdout;
    this.err = io.stderr;
    this.in = io.stdin;
    this.env = io.env;
    this.signals = io.signals ?? process;
    this.options = options;
    this.nowFn = io.now ?? (() => new Date());
  }

  /** The name the command was invoked by (cobra's CalledAs): "images", "ls", "list". */
  get calledAs(): string {
    return this.commandPath[this.commandPath.length - 1] ?? '';
  }

  get debug(): boolean {
    return this.options.debug;
  }

  /** The context name shown by version/info; only the default context exists in Berth. */
  get currentContext(): string {
    return 'default';
  }

  now(): Date {
    return this.nowFn();
  }

  /** Client build facts (version, commit, build time). */
  get build(): ClientBuild {
    return (this.buildInfo ??= clientBuild());
  }

  /** ~/.docker/config.json (or --config's), read on first use. */
  config(): ConfigFile {
    return (this.configFile ??= loadConfigFile(this.options.config));
  }

  /** The daemon address in use: -H, else $DOCKER_HOST, else Berth's socket. */
  get host(): string {
    return this.options.hosts[0] ?? (this.env['DOCKER_HOST'] || DEFAULT_HOST);
  }

  /**
   * Builds the client from the global options (docker's Initialize): validates the host, reads
   * the TLS files. Throws CliError "Failed to initialize: …" with docker's wording.
   */
  initialize(): void {
    if (this.clientInstance) return;
    const o = this.options;
    if (o.hosts.length > 0 && o.context) throw new CliError('conflicting options: cannot specify both --host and --context');
    const fail = (msg: string) => new CliError(`Failed to initialize: unable to resolve docker endpoint: ${msg}`);
    const ctxName = o.context || this.env['DOCKER_CONTEXT'] || '';
    if (ctxName && ctxName !== 'default') {
      throw fail(`context "${ctxName}": context not found (berth supports only the default context)`);
    }
    if (o.hosts.length > 1) throw fail('Specify only one -H');
    const tlsOn = o.tls || o.tlsverify;
    let tls: TLSOptions | undefined;
    if (tlsOn) {
      try {
        tls = { verify: o.tlsverify };
        if (o.tlsverify) tls.ca = readPem(o.tlscacert);
        // compat: docker drops a default cert/key that does not exist (SetDefaultOptions), and
        // loads the pair when either is left (go-connections tlsconfig)
        const exists = (p: string) => statSync(p, { throwIfNoEntry: false }) !== undefined;
        const certPath = o.changed.has('tlscert') || exists(o.tlscert) ? o.tlscert : '';
        const keyPath = o.changed.has('tlskey') || exists(o.tlskey) ? o.tlskey : '';
        if (certPath || keyPath) {
          try {
            tls.cert = readPem(certPath);
            tls.key = readPem(keyPath);
          } catch (e) {
            throw new Error(`Could not load X509 key pair: ${messageOf(e)}`);
          }
        }
      } catch (e) {
        throw fail(messageOf(e));
      }
    }
    try {
      this.clientInstance = new EngineClient({
        host: this.host,
        tls,
        version: this.env['DOCKER_API_VERSION'] || undefined,
        userAgent: `Berth-Client/${this.build.version} (${process.platform})`,
      });
    } catch (e) {
      throw fail(messageOf(e));
    }
  }

  /** The Engine API client (built on first use; see initialize). */
  get client(): EngineClient {
    this.initialize();
    return this.clientInstance!;
  }

  /** Releases idle connections. */
  close(): void {
    this.clientInstance?.close();
  }

  /** An error as docker prints it: daemon errors get "Error response from daemon: ". */
  errorText(err: unknown): string {
    if (err instanceof ResponseError) return `Error response from daemon: ${err.message}`;
    return messageOf(err);
  }
}

/** The global options' defaults for an environment (docker's InstallFlags + env). */
export function defaultGlobalOptions(env: Record<string, string | undefined>): GlobalOptions {
  const certPath = defaultCertPath(env);
  return {
    hosts: [],
    config: defaultConfigDir(env),
    context: '',
    debug: false,
    logLevel: 'info',
    tls: !!env['DOCKER_TLS'],
    tlsverify: !!env['DOCKER_TLS_VERIFY'],
    tlscacert: join(certPath, 'ca.pem'),
    tlscert: join(certPath, 'cert.pem'),
    tlskey: join(certPath, 'key.pem'),
    changed: new Set(),
  };
}

/**
 * `berth registry serve|gc`: Berth's own registry (registry/server). It lives in cmd/ because
 * cli/ may not import the registry server (STYLE D3); berth.ts hands `registry …` over here.
 *
 *   berth registry serve [--config FILE] [--addr HOST:PORT] [--root DIR]
 *   berth registry gc [--config FILE] [--root DIR] [--dry-run]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createLogger, parseLevel } from '../lib/index.js';
import {
  FsRegistryStorage,
  RegistryServer,
  garbageCollect,
  loadRegistryConfig,
  makeAccess,
  splitAddr,
  type RegistryConfig,
} from '../registry/server/index.js';

interface Out {
  write(s: string): unknown;
}

const USAGE = `Usage:  berth registry COMMAND

Run Berth's registry (OCI distribution API)

Commands:
  serve       Serve the registry API
  gc          Remove blobs no manifest references

Options for serve:
      --config string   Configuration file (distribution's config.yml shape)
      --addr string     Address to listen on (HOST:PORT, default ":5000")
      --root string     Storage root directory

Options for gc:
      --config string   Configuration file
      --root string     Storage root directory
      --dry-run         Only print what would be removed
`;

function configFrom(values: { config?: string; addr?: string; root?: string }): RegistryConfig {
  const cfg = loadRegistryConfig(values.config);
  if (values.addr) cfg.addr = values.addr;
  if (values.root) cfg.root = values.root;
  return cfg;
}

export async function registryMain(argv: string[], io: { stdout: Out; stderr: Out }): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'serve' && sub !== 'gc') {
    (sub === undefined || sub === '--help' ? io.stdout : io.stderr).write(USAGE);
    return sub === undefined || sub === '--help' ? 0 : 1;
  }
  let values: { config?: string; addr?: string; root?: string; 'dry-run'?: boolean; help?: boolean };
  try {
    values = parseArgs({
      args: rest,
      options: {
        config: { type: 'string' },
        addr: { type: 'string' },
        root: { type: 'string' },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
    }).values;
  } catch (e) {
    io.stderr.write(`${(e as Error).message}\nSee 'berth registry --help'.\n`);
    return 125;
  }
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  let cfg: RegistryConfig;
  try {
    cfg = configFrom(values);
  } catch (e) {
    io.stderr.write(`${(e as Error).message}\n`);
    return 1;
  }
  const storage = new FsRegistryStorage(cfg.root);
  if (sub === 'gc') {
    await storage.init();
    await garbageCollect(storage, { dryRun: values['dry-run'], log: (l) => io.stdout.write(l + '\n') });
    return 0;
  }
  const log = createLogger({ level: parseLevel(cfg.logLevel) }, { component: 'registry' });
  let server: RegistryServer;
  let addr;
  try {
    const { host, port } = splitAddr(cfg.addr);
    const tls = cfg.tls ? { cert: readFileSync(cfg.tls.certificate), key: readFileSync(cfg.tls.key) } : undefined;
    const auth = makeAccess(cfg);
    server = new RegistryServer({ storage, log, deleteEnabled: cfg.deleteEnabled, access: auth?.access, extra: auth?.extra });
    addr = await server.listen(host, port, tls);
  } catch (e) {
    io.stderr.write(`berth registry serve: ${(e as Error).message}\n`);
    return 1;
  }
  log.info('registry listening', { address: `${addr.address}:${addr.port}`, root: cfg.root, tls: !!cfg.tls });
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await server.close();
  return 0;
}

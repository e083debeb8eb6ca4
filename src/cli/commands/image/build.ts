/**
 * `berth build` / `berth image build` with the classic builder's API (docker/cli
 * cli/command/image/build.go, DOCKER_BUILDKIT=0): the context directory is sent as a tar with
 * .dockerignore applied (owners 0:0, as docker/cli sends it), or `-` reads a tar or a bare
 * Dockerfile from stdin. A Dockerfile outside the context (or `-f -`) travels inside the tar as
 * `.dockerfile.<random>`. The answer is a JSON-message stream; an errorDetail fails the command
 * with its code (1 when none). With -q only the image ID is printed. A Git or http(s) URL is
 * passed on as `remote=` for the daemon to fetch (docker/cli fetches it itself, then uploads).
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, promises as fs, type Stats } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

import { CliError, StatusError, defineCommand } from '../../command.js';
import { isExcluded, parseDockerignore, tarPack, type IgnorePattern, type TarHeader } from '../../../lib/index.js';
import { JSONMessageError, displayJSONMessagesStream } from '../../jsonmessage.js';
import { allCredentials } from '../../credentials.js';
import { humanSize } from '../../format/units.js';
import { check } from '../container/flags.js';
import { memSwapBytes, parseUlimit, ramInBytes, validateExtraHost } from '../container/values.js';

interface ContextFile {
  name: string;
  header: TarHeader;
  path?: string;
  body?: Buffer;
}

function header(name: string, st: Stats, linkname = ''): TarHeader {
  const type = st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'symlink' : 'file';
  return {
    name: type === 'directory' ? `${name}/` : name,
    type,
    mode: st.mode & 0o7777,
    uid: 0,
    gid: 0,
    uname: '',
    gname: '',
    size: type === 'file' ? st.size : 0,
    mtime: new Date(Math.floor(st.mtimeMs / 1000) * 1000),
    linkname,
    devmajor: 0,
    devminor: 0,
  };
}

/** The context's files in walk order, minus what .dockerignore excludes. */
async function collect(root: string, patterns: readonly IgnorePattern[], keep: Set<string>): Promise<ContextFile[]> {
  const out: ContextFile[] = [];
  const walk = async (rel: string): Promise<void> => {
    const names = (await fs.readdir(rel ? join(root, rel) : root)).sort();
    for (const n of names) {
      const r = rel ? `${rel}/${n}` : n;
      const abs = join(root, r);
      const st = await fs.lstat(abs);
      const excluded = !keep.has(r) && isExcluded(r, patterns);
      if (st.isDirectory()) {
        if (!excluded) out.push({ name: r, header: header(r, st) });
        // compat: an excluded directory is still walked when an exception may re-include inside it
        if (!excluded || patterns.some((p) => p.exclusion)) await walk(r);
      } else if (!excluded) {
        if (st.isSymbolicLink()) out.push({ name: r, header: header(r, st, await fs.readlink(abs)) });
        else if (st.isFile()) out.push({ name: r, header: header(r, st), path: abs });
      }
    }
  };
  await walk('');
  return out;
}

async function* tarOf(files: ContextFile[], onBytes: (n: number) => void): AsyncGenerator<Buffer> {
  const pack = tarPack();
  const feeding = (async () => {
    for (const f of files) {
      await new Promise<void>((res, rej) => {
        if (f.path) {
          const w = pack.entry(f.header, (e) => (e ? rej(e) : res()));
          createReadStream(f.path).on('error', rej).pipe(w);
        } else pack.entry(f.header, f.body ?? Buffer.alloc(0), (e) => (e ? rej(e) : res()));
      });
    }
    pack.finalize();
  })();
  feeding.catch((e: unknown) => pack.destroy(e as Error));
  for await (const chunk of pack as unknown as AsyncIterable<Buffer>) {
    onBytes(chunk.length);
    yield chunk;
  }
  await feeding;
}

async function readAll(input: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of input) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks);
}

const isArchive = (b: Buffer) => (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) || (b.length >= 262 && b.subarray(257, 262).toString('latin1') === 'ustar');

function fileHeader(name: string, size: number): TarHeader {
  return { name, type: 'file', mode: 0o600, uid: 0, gid: 0, uname: '', gname: '', size, mtime: new Date(), linkname: '', devmajor: 0, devminor: 0 };
}

function keyValues(list: string[], env: Record<string, string | undefined>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const kv of list) {
    const i = kv.indexOf('=');
    // compat: `--build-arg NAME` takes NAME's value from the environment, or stays unset
    if (i < 0) out[kv] = env[kv] ?? null;
    else out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

export default defineCommand({
  name: 'build',
  usage: 'build [OPTIONS] PATH | URL | -',
  description: 'Build an image from a Dockerfile',
  flags: [
    { name: 'add-host', kind: 'list', typeName: 'list', usage: 'Add a custom host-to-IP mapping ("host:ip")', validate: check(validateExtraHost) },
    { name: 'build-arg', kind: 'list', usage: 'Set build-time variables' },
    { name: 'cache-from', kind: 'list', typeName: 'strings', usage: 'Images to consider as cache sources' },
    { name: 'cgroup-parent', kind: 'string', usage: 'Set the parent cgroup for the "RUN" instructions during build' },
    { name: 'compress', kind: 'bool', usage: 'Compress the build context using gzip' },
    { name: 'cpu-period', kind: 'int', usage: 'Limit the CPU CFS (Completely Fair Scheduler) period' },
    { name: 'cpu-quota', kind: 'int', usage: 'Limit the CPU CFS (Completely Fair Scheduler) quota' },
    { name: 'cpu-shares', short: 'c', kind: 'int', usage: 'CPU shares (relative weight)' },
    { name: 'cpuset-cpus', kind: 'string', usage: 'CPUs in which to allow execution (0-3, 0,1)' },
    { name: 'cpuset-mems', kind: 'string', usage: 'MEMs in which to allow execution (0-3, 0,1)' },
    { name: 'disable-content-trust', kind: 'bool', default: true, usage: 'Skip image verification' },
    { name: 'file', short: 'f', kind: 'string', usage: 'Name of the Dockerfile (Default is "PATH/Dockerfile")' },
    { name: 'force-rm', kind: 'bool', usage: 'Always remove intermediate containers' },
    { name: 'iidfile', kind: 'string', usage: 'Write the image ID to the file' },
    { name: 'isolation', kind: 'string', usage: 'Container isolation technology' },
    { name: 'label', kind: 'list', usage: 'Set metadata for an image' },
    { name: 'memory', short: 'm', kind: 'string', typeName: 'bytes', usage: 'Memory limit', validate: check(ramInBytes) },
    { name: 'memory-swap', kind: 'string', typeName: 'bytes', usage: 'Swap limit equal to memory plus swap: -1 to enable unlimited swap', validate: check(memSwapBytes) },
    { name: 'network', kind: 'string', default: 'default', usage: 'Set the networking mode for the RUN instructions during build' },
    { name: 'no-cache', kind: 'bool', usage: 'Do not use cache when building the image' },
    { name: 'platform', kind: 'string', usage: 'Set platform if server is multi-platform capable' },
    { name: 'progress', kind: 'string', default: 'auto', usage: 'Set type of progress output (auto, plain, tty). Use plain to show container output', hidden: true },
    { name: 'pull', kind: 'bool', usage: 'Always attempt to pull a newer version of the image' },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Suppress the build output and print image ID on success' },
    { name: 'rm', kind: 'bool', default: true, usage: 'Remove intermediate containers after a successful build' },
    { name: 'security-opt', kind: 'list', typeName: 'strings', usage: 'Security options' },
    { name: 'shm-size', kind: 'string', typeName: 'bytes', usage: 'Size of "/dev/shm"', validate: check(ramInBytes) },
    { name: 'squash', kind: 'bool', usage: 'Squash newly built layers into a single new layer' },
    { name: 'tag', short: 't', kind: 'list', usage: 'Name and optionally a tag in the "name:tag" format' },
    { name: 'target', kind: 'string', usage: 'Set the target build stage to build.' },
    { name: 'ulimit', kind: 'list', typeName: 'ulimit', defaultText: '[]', usage: 'Ulimit options', validate: check(parseUlimit) },
  ] as const,
  args: { min: 1, max: 1 },
  async run(cli, opts, args) {
    const specified = args[0]!;
    let files: ContextFile[] = [];
    let raw: Buffer | undefined;
    let dockerfile = opts.file;
    let remote = '';
    const extra: ContextFile[] = [];
    if (specified === '-') {
      if (opts.file === '-') throw new CliError('invalid argument: can\'t use stdin for both build context and dockerfile');
      const input = await readAll(cli.in as AsyncIterable<Buffer>);
      if (isArchive(input)) raw = input;
      else {
        // A bare Dockerfile on stdin: the context holds only it.
        files = [{ name: 'Dockerfile', header: fileHeader('Dockerfile', input.length), body: input }];
        dockerfile = 'Dockerfile';
      }
    } else if (/^(https?|git):\/\//.test(specified) || specified.startsWith('git@') || specified.startsWith('github.com/')) {
      // A remote context is fetched by the daemon (POST /build?remote=), .dockerignore included.
      remote = specified;
      dockerfile = opts.file;
    } else {
      const root = resolve(specified);
      const st = await fs.stat(root).catch(() => undefined);
      if (!st?.isDirectory()) throw new CliError(`unable to prepare context: path "${specified}" not found`);
      let dfRel = 'Dockerfile';
      if (opts.file === '-') {
        const body = await readAll(cli.in as AsyncIterable<Buffer>);
        dfRel = `.dockerfile.${randomBytes(10).toString('hex')}`;
        extra.push({ name: dfRel, header: fileHeader(dfRel, body.length), body });
      } else if (opts.file) {
        const abs = resolve(opts.file);
        const rel = relative(root, abs);
        if (rel.startsWith('..') || rel === '' || resolve(root, rel) !== abs) {
          const body = await fs.readFile(abs).catch(() => {
            throw new CliError(`unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${abs}: no such file or directory`);
          });
          dfRel = `.dockerfile.${randomBytes(10).toString('hex')}`;
          extra.push({ name: dfRel, header: fileHeader(dfRel, body.length), body });
        } else dfRel = rel.split(sep).join('/');
      } else {
        await fs.stat(join(root, 'Dockerfile')).catch(() => {
          throw new CliError(`unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${join(root, 'Dockerfile')}: no such file or directory`);
        });
      }
      const ignoreText = await fs.readFile(join(root, '.dockerignore'), 'utf8').catch(() => '');
      let patterns: IgnorePattern[];
      try {
        patterns = parseDockerignore(ignoreText);
      } catch (e) {
        throw new CliError(`failed to parse dockerignore: ${(e as Error).message}`);
      }
      files = [...(await collect(root, patterns, new Set([dfRel, '.dockerignore']))), ...extra];
      dockerfile = dfRel;
    }
    let sent = 0;
    const plain: AsyncIterable<Buffer> = remote
      ? (async function* () {})()
      : raw
      ? (async function* () {
          sent = raw!.length;
          yield raw!;
        })()
      : tarOf(files, (n) => (sent += n));
    let body = plain;
    if (opts.compress && !remote && !raw) {
      // --compress: the context goes gzipped (the daemon detects it by its magic number)
      const gz = createGzip();
      pipeline(Readable.from(plain), gz).catch((e: unknown) => gz.destroy(e as Error));
      body = gz;
    }
    const query: Record<string, string | string[]> = {
      t: opts.tag,
      dockerfile: dockerfile || '',
      version: '1',
      rm: opts.rm ? '1' : '0',
    };
    if (remote) query['remote'] = remote;
    if (opts.buildArg.length) query['buildargs'] = JSON.stringify(keyValues(opts.buildArg, cli.env));
    if (opts.label.length) {
      const labels: Record<string, string> = {};
      for (const l of opts.label) {
        const i = l.indexOf('=');
        labels[i < 0 ? l : l.slice(0, i)] = i < 0 ? '' : l.slice(i + 1);
      }
      query['labels'] = JSON.stringify(labels);
    }
    if (opts.target) query['target'] = opts.target;
    if (opts.network && opts.network !== 'default') query['networkmode'] = opts.network;
    if (opts.addHost.length) query['extrahosts'] = opts.addHost;
    if (opts.cacheFrom.length) query['cachefrom'] = JSON.stringify(opts.cacheFrom);
    if (opts.platform) query['platform'] = opts.platform;
    if (opts.cgroupParent) query['cgroupparent'] = opts.cgroupParent;
    if (opts.cpuPeriod) query['cpuperiod'] = String(opts.cpuPeriod);
    if (opts.cpuQuota) query['cpuquota'] = String(opts.cpuQuota);
    if (opts.cpuShares) query['cpushares'] = String(opts.cpuShares);
    if (opts.cpusetCpus) query['cpusetcpus'] = opts.cpusetCpus;
    if (opts.cpusetMems) query['cpusetmems'] = opts.cpusetMems;
    if (opts.memory) query['memory'] = String(ramInBytes(opts.memory));
    if (opts.memorySwap) query['memswap'] = String(memSwapBytes(opts.memorySwap));
    if (opts.shmSize) query['shmsize'] = String(ramInBytes(opts.shmSize));
    if (opts.squash) query['squash'] = '1';
    if (opts.isolation) query['isolation'] = opts.isolation;
    if (opts.noCache) query['nocache'] = '1';
    if (opts.forceRm) query['forcerm'] = '1';
    if (opts.pull) query['pull'] = '1';
    if (opts.quiet) query['q'] = '1';
    const res = await cli.client.request('POST', '/build', {
      query,
      rawBody: body,
      // docker/cli: every stored credential, as JSON in base64 (URL alphabet, padded)
      headers: { 'Content-Type': 'application/x-tar', 'X-Registry-Config': Buffer.from(JSON.stringify(await allCredentials(cli.config()))).toString('base64').replace(/\+/g, '-').replace(/\//g, '_') },
    });
    if (!opts.quiet && !remote) cli.out.write(`Sending build context to Docker daemon  ${humanSize(sent)}\r\r\n`);
    let imageId = '';
    const quietOut: string[] = [];
    const sink = opts.quiet ? { write: (s: string) => (quietOut.push(s), true), isTTY: false } : cli.out;
    try {
      await displayJSONMessagesStream(res.body as AsyncIterable<Buffer>, sink as typeof cli.out, {
        isTerminal: !opts.quiet && !!cli.out.isTTY,
        width: cli.out.columns,
        onAux: (m) => {
          const id = (m.aux as { ID?: string } | undefined)?.ID;
          if (id) imageId = id;
        },
      });
    } catch (e) {
      if (e instanceof JSONMessageError) throw new StatusError(e.message, e.code || 1);
      throw e;
    }
    if (opts.quiet) cli.out.write(quietOut.join(''));
    if (opts.iidfile && imageId) await fs.writeFile(opts.iidfile, imageId, { mode: 0o666 });
  },
});

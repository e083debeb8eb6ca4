/**
 * `berth container cp` / `berth cp`: docker CLI 28's cp.go.
 *
 *   cp CONTAINER:SRC_PATH DEST_PATH|-   GET /containers/{id}/archive?path=…, the tar extracted
 *                                       locally (or written to stdout for `-`)
 *   cp SRC_PATH|- CONTAINER:DEST_PATH   HEAD …/archive?path=… for the destination's stat, then
 *                                       PUT …/archive?path=<dir>&noOverwriteDirNonDir=true
 *                                       (&copyUIDGID=true with -a) with a tar of the source, or
 *                                       stdin's tar for `-`
 *
 * -L follows a symlink source (locally, or through the container stat's linkTarget). Unless
 * quiet (the default when stdout is not a terminal), "Successfully copied <size> to <dest>"
 * goes to stderr, the size counting the tar bytes that went over the wire.
 */
import type { IncomingMessage } from 'node:http';
import { GoMode, goClean, hasModeBit, splitPathDirEntry } from '../../../lib/index.js';
import type { ContainerPathStat } from '../../../api/types/index.js';
import { CliError, defineCommand } from '../../command.js';
import type { Cli } from '../../cli.js';
import { copyToOutput } from '../../files.js';
import { humanSizeWithPrecision } from '../../format/units.js';
import {
  copyInfoSourcePath,
  copyTo,
  getRebaseName,
  prepareArchiveCopy,
  resolveLocalPath,
  tarResource,
  type CopyInfo,
} from '../../archive-copy.js';
import { rebaseArchive } from '../../../lib/index.js';
import { containerPath } from './create.js';
import { checkName } from './session.js';

const STAT_HEADER = 'x-docker-container-path-stat';

/** splitCpArg: `ctr:path`, unless the argument is an explicit local path (`/x`, `./a:b`). */
export function splitCpArg(arg: string): { container: string; path: string } {
  if (arg.startsWith('/')) return { container: '', path: arg };
  const i = arg.indexOf(':');
  if (i < 0 || arg.slice(0, i).startsWith('.')) return { container: '', path: arg };
  return { container: arg.slice(0, i), path: arg.slice(i + 1) };
}

function decodeStat(header: string | string[] | undefined): ContainerPathStat {
  const raw = Array.isArray(header) ? header[0] : header;
  try {
    return JSON.parse(Buffer.from(raw ?? '', 'base64').toString('utf8')) as ContainerPathStat;
  } catch (e) {
    throw new Error(`unable to decode container path stat header: ${(e as Error).message}`);
  }
}

async function statPath(cli: Cli, container: string, path: string): Promise<ContainerPathStat> {
  const res = await cli.client.request('HEAD', `${containerPath(checkName(container))}/archive`, { query: { path } });
  res.body.resume();
  return decodeStat(res.headers[STAT_HEADER]);
}

/** ValidateOutputPathFileMode. */
function fileModeProblem(mode: number): string | undefined {
  if (hasModeBit(mode, GoMode.Device)) return 'got a device';
  if (hasModeBit(mode, 2 ** 19)) return 'got an irregular file';
  return undefined;
}

/** ValidateOutputPath: the local destination's directory must exist; it must be a directory or a regular file. */
async function validateOutputPath(path: string): Promise<void> {
  const { stat } = await import('node:fs/promises');
  const dir = splitPathDirEntry(goClean(path)).dir;
  if (dir !== '' && dir !== '.') {
    const st = await stat(dir).catch((e: NodeJS.ErrnoException) => e);
    if (st instanceof Error && st.code === 'ENOENT') throw new CliError(`invalid output path: directory "${dir}" does not exist`);
  }
  const st = await stat(path).catch((e: NodeJS.ErrnoException) => e);
  if (st instanceof Error) return;
  if (st.isDirectory() || st.isFile()) return;
  if (st.isBlockDevice() || st.isCharacterDevice()) throw new CliError(`invalid output path: "${path}" must be a directory or a regular file: got a device`);
}

/** Counts the bytes going through. */
async function* counted(src: AsyncIterable<Buffer>, counter: { n: number }): AsyncGenerator<Buffer> {
  for await (const c of src) {
    counter.n += c.length;
    yield c;
  }
}

const progressSize = (n: number) => humanSizeWithPrecision(n, 3);

async function copyFromContainer(cli: Cli, container: string, srcPath0: string, dstPath0: string, o: { followLink: boolean; quiet: boolean }): Promise<void> {
  let dstPath = dstPath0;
  let srcPath = srcPath0;
  if (dstPath !== '-') dstPath = resolveLocalPath(dstPath);
  await validateOutputPath(dstPath);
  let rebaseName = '';
  if (o.followLink) {
    const st = await statPath(cli, container, srcPath).catch(() => undefined);
    if (st && hasModeBit(st.mode, GoMode.Symlink)) {
      let target = st.linkTarget;
      if (!target.startsWith('/')) target = goClean(`${splitPathDirEntry(srcPath).dir}/${target}`);
      ({ resolved: srcPath, rebaseName } = getRebaseName(srcPath, target));
    }
  }
  const res = await cli.client.request('GET', `${containerPath(checkName(container))}/archive`, { query: { path: srcPath } });
  const body = res.body as IncomingMessage;
  let stat: ContainerPathStat;
  try {
    stat = decodeStat(res.headers[STAT_HEADER]);
  } catch (e) {
    body.destroy();
    throw new Error(`unable to get resource stat from response: ${(e as Error).message}`);
  }
  if (dstPath === '-') {
    await copyToOutput(body, cli.out);
    return;
  }
  const src: CopyInfo = { path: srcPath, exists: true, isDir: hasModeBit(stat.mode, GoMode.Dir), rebaseName };
  const counter = { n: 0 };
  let content: AsyncIterable<Buffer> = counted(body, counter);
  if (rebaseName) content = rebaseArchive(content, splitPathDirEntry(src.path).base, rebaseName) as AsyncIterable<Buffer>;
  try {
    await copyTo(content, src, dstPath);
  } finally {
    if (!o.quiet) cli.err.write(`Successfully copied ${progressSize(counter.n)} to ${dstPath}\n`);
  }
}

async function copyToContainer(cli: Cli, container: string, srcPath0: string, dstPath: string, o: { followLink: boolean; quiet: boolean; copyUIDGID: boolean }): Promise<void> {
  let srcPath = srcPath0;
  if (srcPath !== '-') srcPath = resolveLocalPath(srcPath);
  const dst: CopyInfo = { path: dstPath, exists: false, isDir: false, rebaseName: '' };
  let st: ContainerPathStat | undefined = await statPath(cli, container, dstPath).catch(() => undefined);
  let statMode = 0;
  if (st && hasModeBit(st.mode, GoMode.Symlink)) {
    let target = st.linkTarget;
    if (!target.startsWith('/')) target = goClean(`${splitPathDirEntry(dstPath).dir}/${target}`);
    dst.path = target;
    st = await statPath(cli, container, target).catch(() => undefined);
  }
  if (st) statMode = st.mode;
  const problem = fileModeProblem(statMode);
  if (problem) throw new CliError(`destination "${container}:${dstPath}" must be a directory or a regular file: ${problem}`);
  if (st) {
    dst.exists = true;
    dst.isDir = hasModeBit(st.mode, GoMode.Dir);
  }
  const counter = { n: 0 };
  let content: AsyncIterable<Buffer>;
  let resolvedDst: string;
  if (srcPath === '-') {
    content = cli.in as AsyncIterable<Buffer>;
    resolvedDst = dst.path;
    if (!dst.isDir) throw new CliError(`destination "${container}:${dstPath}" must be a directory`);
  } else {
    const src = await copyInfoSourcePath(srcPath, o.followLink);
    const archive = await tarResource(src);
    const prepared = prepareArchiveCopy(archive, src, dst);
    resolvedDst = prepared.dstDir;
    content = counted(prepared.content, counter);
  }
  try {
    const res = await cli.client.request('PUT', `${containerPath(checkName(container))}/archive`, {
      query: { copyUIDGID: o.copyUIDGID ? 'true' : undefined, noOverwriteDirNonDir: 'true', path: resolvedDst },
      rawBody: content,
    });
    res.body.resume();
  } finally {
    if (!o.quiet) cli.err.write(`Successfully copied ${progressSize(counter.n)} to ${container}:${dst.path}\n`);
  }
}

export default defineCommand({
  name: 'cp',
  usage: 'cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH',
  description: 'Copy files/folders between a container and the local filesystem',
  longDescription:
    'Copy files/folders between a container and the local filesystem\n\n' +
    "Use '-' as the source to read a tar archive from stdin\n" +
    'and extract it to a directory destination in a container.\n' +
    "Use '-' as the destination to stream a tar archive of a\n" +
    'container source to stdout.',
  flags: [
    { name: 'archive', short: 'a', kind: 'bool', usage: 'Archive mode (copy all uid/gid information)' },
    { name: 'follow-link', short: 'L', kind: 'bool', usage: 'Always follow symbol link in SRC_PATH' },
    {
      name: 'quiet',
      short: 'q',
      kind: 'bool',
      usage: 'Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached',
    },
  ] as const,
  args: { min: 2, max: 2 },
  async run(cli, opts, args, flags) {
    if (args[0] === '') throw new CliError('source can not be empty');
    if (args[1] === '') throw new CliError('destination can not be empty');
    const quiet = flags.changed.has('quiet') ? opts.quiet : !cli.out.isTTY;
    const src = splitCpArg(args[0]!);
    const dst = splitCpArg(args[1]!);
    if (src.container && dst.container) throw new CliError('copying between containers is not supported');
    if (src.container) return copyFromContainer(cli, src.container, src.path, dst.path, { followLink: opts.followLink, quiet });
    if (dst.container) return copyToContainer(cli, dst.container, src.path, dst.path, { followLink: opts.followLink, quiet, copyUIDGID: opts.archive });
    throw new CliError('must specify at least one container source');
  },
});

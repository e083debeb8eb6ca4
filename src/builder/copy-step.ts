/**
 * COPY and ADD (moby dispatchers' performCopy): sources from the context, heredocs, URLs (ADD),
 * local tars extracted (ADD) or another stage or image (COPY --from), as one layer whose
 * checksum is the step's cache key (copy-layer.ts: from the context, the layer is written only
 * when the cache misses); `--chown` names looked up in the image's /etc/passwd and /etc/group,
 * `--chmod`.
 */
import { promises as fs } from 'node:fs';
import { join, posix } from 'node:path';
import { kindOf, messageOf } from '../lib/index.js';
import type { BuildImage } from './backend.js';
import type { Builder } from './build.js';
import { StepError, type StageState } from './build-types.js';
import { firstFileOf, isTarArchive, resolveSources } from './context.js';
import { addArchive, copyFromArchive, planContextCopy, type CopyOptions, type CopyPlan, type GeneratedFile } from './copy-layer.js';
import { download } from './remote.js';
import type { Instruction } from './dockerfile/parser.js';
import { DEFAULT_SHELL } from './instructions.js';

/**
 * --chown's `user[:group]` as ids (moby parseChownFlag): numbers as they are, names looked up
 * in the current image's /etc/passwd and /etc/group; a lone user is also the group.
 */
async function resolveChown(b: Builder, st: StageState, spec: string, fail: (m: string) => Error): Promise<{ uid: number; gid: number }> {
  const parts = spec.split(':');
  if (parts.length > 2) throw fail(`invalid chown string format: ${spec}`);
  const [user, group = parts[0]!] = parts as [string, string?];
  const numeric = (v: string) => (/^\d+$/.test(v) ? Number(v) : undefined);
  const lookup = async (file: string, name: string, what: string): Promise<number> => {
    const n = numeric(name);
    if (n !== undefined) return n;
    const text = st.image ? await readImageFile(b, st.image, file) : '';
    for (const line of text.split('\n')) {
      const f = line.split(':');
      if (f[0] === name && f.length >= 3 && /^\d+$/.test(f[2]!)) return Number(f[2]);
    }
    throw new StepError(`unable to convert uid/gid chown string to host mapping: can't find ${what === 'user' ? 'uid' : 'gid'} for ${what} ${name}: no such ${what}: ${name}`);
  };
  return { uid: await lookup('/etc/passwd', user, 'user'), gid: await lookup('/etc/group', group, 'group') };
}

/** A small file of an image ('' when missing). */
async function readImageFile(b: Builder, image: BuildImage, path: string): Promise<string> {
  try {
    const { tar } = await b.backend.archive(b.ctx, image, path);
    return await firstFileOf(tar);
  } catch {
    return '';
  }
}

export async function copyStep(b: Builder, st: StageState, ins: Instruction, word: (w: string) => string, fail: (m: string) => Error): Promise<void> {
  const instr = ins.cmd.toUpperCase();
  b.checkFlags(ins, ins.cmd === 'copy' ? ['from', 'chown', 'chmod', 'link'] : ['chown', 'chmod', 'link', 'checksum', 'keep-git-dir']);
  const words = ins.args.map((a) => (ins.heredocs.length && /^<<-?/.test(a) ? a : word(a)));
  if (words.length < 2) throw fail(`${instr} requires at least two arguments, but only one was provided. Destination could not be determined.`);
  const rawDest = words[words.length - 1]!;
  const srcs = words.slice(0, -1);
  const workdir = st.config.WorkingDir || '/';
  let dest = posix.isAbsolute(rawDest) ? rawDest : posix.join(workdir, rawDest) + (rawDest.endsWith('/') || rawDest === '.' ? '/' : '');
  if (rawDest === '.' || rawDest.endsWith('/.')) dest = dest.replace(/\/?$/, '/');
  const hasWild = srcs.some((s) => !/^https?:\/\//.test(s) && /[*?[]/.test(s));
  // compat: a destination without a trailing slash is still a directory when one exists there
  const destIsDir = dest.endsWith('/') || (!!st.image && dest !== '/' && (await b.backend.isDirectory(b.ctx, st.image, dest)));
  if (destIsDir && !dest.endsWith('/')) dest += '/';
  if ((srcs.length > 1 || hasWild) && !destIsDir) {
    const sources = hasWild ? await resolveSources(b.opts.contextDir, srcs, instr).catch(() => srcs) : srcs;
    if (sources.length > 1) throw fail(`When using ${instr} with more than one source file, the destination must be a directory and end with a /`);
  }
  const chownRaw = b.flag(ins, 'chown');
  const chown = chownRaw ? await resolveChown(b, st, word(chownRaw), fail) : undefined;
  const chmodRaw = b.flag(ins, 'chmod');
  let chmod: number | undefined;
  if (chmodRaw) {
    if (!/^[0-7]{3,4}$/.test(chmodRaw)) throw fail(`invalid chmod parameter ${chmodRaw}`);
    chmod = parseInt(chmodRaw, 8);
  }
  const out = join(b.opts.buildRoot, `step-${b.tarSeq++}.tar`);
  const from = b.flag(ins, 'from');
  if (from !== undefined && ins.cmd === 'copy') {
    const ref = word(from);
    const src = (await b.stageImage(ref, st.pos.index)) ?? (await b.baseImage(ref, st.pos).catch((e) => {
      if (kindOf(e) === 'notFound') throw new StepError(`invalid from flag value ${ref}: no such image or build stage`);
      throw e;
    }));
    if (srcs.length !== 1 || hasWild) throw fail(`${instr} --from supports one source path without wildcards here`);
    const p = posix.join('/', srcs[0]!);
    const archive = await b.backend.archive(b.ctx, src, p).catch((e) => {
      if (kindOf(e) === 'notFound') throw new StepError(`${instr} failed: stat ${p}: file does not exist`);
      throw e;
    });
    // Another archive's layer is written while it is summed.
    const layer = await copyFromArchive(archive, posix.basename(p), dest, destIsDir, { chown, chmod }, out);
    return copyLayerStep(b, st, instr, dest, { digestRef: layer.digestRef, write: async () => {}, prewritten: true }, out);
  }
  const generated = new Map<string, GeneratedFile>();
  try {
    const layer = await contextLayer(b, st, ins, srcs, generated, dest, destIsDir, { chown, chmod, mtime: st.created }, out);
    await copyLayerStep(b, st, instr, dest, layer, out);
  } finally {
    for (const g of generated.values()) if (g.file) await fs.rm(g.file, { force: true });
  }
}

/**
 * The layer of sources from the context, heredocs and URLs (downloaded into `generated`, which
 * the caller removes): planned, or for ADD of a local tar written to `out` while summed.
 */
async function contextLayer(
  b: Builder,
  st: StageState,
  ins: Instruction,
  srcs: string[],
  generated: Map<string, GeneratedFile>,
  dest: string,
  destIsDir: boolean,
  opts: CopyOptions,
  out: string,
): Promise<CopyPlan> {
  const names: string[] = [];
  for (const s of srcs) {
    const h = /^<<-?["']?([A-Za-z_][A-Za-z0-9_]*)["']?$/.exec(s);
    const doc = h ? ins.heredocs.find((d) => d.name === h[1]) : undefined;
    if (doc) {
      const body = Buffer.from(doc.expand ? processHeredoc(doc.content, b.substEnv(st)) : doc.content);
      const key = `<<${doc.name}`;
      generated.set(key, { base: doc.name, body, size: body.length, mode: 0o644 });
      names.push(key);
    }
  }
  const urls = ins.cmd === 'add' ? srcs.filter((s) => /^https?:\/\//.test(s)) : [];
  for (const u of urls) {
    const file = join(b.opts.buildRoot, `download-${b.tarSeq++}`);
    const got = await download(b.ctx, u, file).catch((e) => {
      throw new StepError(messageOf(e));
    });
    generated.set(u, { ...got, file, mode: 0o600 });
    names.push(u);
  }
  const instr = ins.cmd.toUpperCase();
  const plain = srcs.filter((s) => !/^<<-?/.test(s) && !urls.includes(s));
  const sources = plain.length ? await resolveSources(b.opts.contextDir, plain, instr) : [];
  const context = { dir: b.opts.contextDir, sums: b.opts.contentSums };
  if (ins.cmd === 'add' && sources.length === 1 && names.length === 0) {
    const abs = join(b.opts.contextDir, sources[0]!);
    if ((await fs.stat(abs)).isFile() && (await isTarArchive(abs))) {
      const layer = await addArchive(abs, destIsDir ? dest : dest + '/', out, opts.chown);
      return { digestRef: layer.digestRef, write: async () => {}, prewritten: true };
    }
    return planContextCopy(context, sources, generated, dest, destIsDir, opts);
  }
  return planContextCopy(context, [...names, ...sources], generated, dest, destIsDir || names.length + sources.length > 1, opts);
}

/** The cache probe for the layer, else the layer written to `out` and committed; `out` goes after, if written. */
async function copyLayerStep(b: Builder, st: StageState, instr: string, dest: string, layer: CopyPlan, out: string): Promise<void> {
  const comment = `${instr} ${layer.digestRef} in ${dest} `;
  const cc = b.stepConfig(st, [...DEFAULT_SHELL, `#(nop) ${comment}`]);
  let written = !!layer.prewritten;
  try {
    if (await b.useCache(st, cc)) return;
    written = true;
    await layer.write(out);
    await b.commit(st, cc, { kind: 'tar', path: out }, cc.Cmd!.join(' '));
  } finally {
    if (written) await fs.rm(out, { force: true });
  }
}

/** An unquoted heredoc's content with variables expanded line by line, quotes kept. */
function processHeredoc(content: string, env: Map<string, string>): string {
  return content.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, a: string | undefined, b: string | undefined) => env.get((a ?? b)!) ?? '');
}

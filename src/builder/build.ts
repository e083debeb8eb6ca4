/**
 * The classic builder (moby builder/dockerfile, API `version=1`): stages, one image per step,
 * Docker's cache rules and the progress stream the docker CLI prints.
 *
 * Stream, as dockerd 20.10 writes it (reference/api-traces/build-classic*.txt):
 *   {"stream":"Step 1/4 : FROM busybox"} {"stream":"\n"} {"stream":" ---> 6b03d9d8398c\n"}
 *   {"stream":" ---> Using cache\n"} | {"stream":" ---> Running in <12>\n"} … output …
 *   {"stream":"Removing intermediate container <12>\n"} {"stream":" ---> <12>\n"}
 *   {"aux":{"ID":"sha256:…"}} {"stream":"Successfully built <12>\n"} {"stream":"Successfully tagged x\n"}
 * and failures as {"errorDetail":{"code"?,"message"},"error":…}.
 *
 * Cache (cache.ts): a step hits when this builder made a child of the current image whose
 * container_config equals the step's (Cmd carries the instruction, the build args in effect
 * and the COPY/ADD content checksum), or when a --cache-from image's history continues with it.
 * `--pull` pulls each FROM image that is no stage, with the X-Registry-Config credentials; the
 * pull's progress messages go into the stream inside the FROM step, as dockerd writes them.
 *
 * Reproducible: every image of a build is dated SOURCE_DATE_EPOCH (build arg) when given, else the
 * base image's creation time (the epoch for scratch); the layers of COPY/ADD carry the context's
 * times. The build arg BERTH_BUILD_TIME=now opts out (the build's wall clock).
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join, posix } from 'node:path';
import { cancelled, invalidParameter, kindOf, messageOf, type Ctx } from '../lib/index.js';
import { familiarString, parseNormalizedNamed, withDefaultTag, type ImageRuntimeConfig } from '../oci/index.js';
import type { HostConfig } from '../api/types/index.js';
import type { BuildBackend, BuildImage, LayerSource } from './backend.js';
import { DockerfileError, parseDockerfile, type Instruction } from './dockerfile/parser.js';
import { envMap, processWord, processWords, ShellError } from './dockerfile/shell.js';
import { applyConfigInstruction, DEFAULT_SHELL } from './instructions.js';
import { Channel, HIGH_WATER } from './channel.js';
import { copyStep } from './copy-step.js';
import { BuildCache } from './cache.js';
import { argKV, expandMeta, neededStages, splitStages } from './stages.js';
import { StepError, short, type BuildMessage, type BuildOptions, type Stage, type StagePos, type StageState } from './build-types.js';

export type { BuildMessage, BuildOptions, BuildSettings } from './build-types.js';

/** Args that every build accepts without an ARG, and keeps out of the history (moby's BuiltinAllowedBuildArgs). */
const BUILTIN_ARGS = new Set(['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy']);
const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Runs a build; its messages come out as they are written. Never throws: failures are messages. */
export function build(ctx: Ctx, backend: BuildBackend, opts: BuildOptions): AsyncIterable<BuildMessage> {
  const ch = new Channel<BuildMessage>(ctx.signal);
  const b = new Builder(ctx, backend, opts, (m) => ch.push(m));
  void b
    .run()
    .catch((e: unknown) => {
      const code = e instanceof StepError ? e.code : undefined;
      const message = e instanceof StepError || e instanceof DockerfileError || kindOf(e) !== 'system' ? messageOf(e) : `${messageOf(e)}`;
      ch.push({ errorDetail: { ...(code !== undefined ? { code } : {}), message }, error: message });
    })
    .finally(() => ch.close());
  return ch;
}

export class Builder {
  private total = 0;
  /** ARGs declared before the first FROM, with their values. */
  private readonly metaArgs = new Map<string, string | undefined>();
  /** Stage results by name and index, with the stage's index (only earlier stages may be used). */
  private readonly stageImages = new Map<string, { index: number; image: Promise<BuildImage> }>();
  /** Output of stages that run ahead of the one being shown, held until their turn. */
  private readonly held = new Map<number, BuildMessage[]>();
  private shown = -1;
  /** Stages waiting for their turn to show (their held output is full). */
  private readonly turn = new Map<number, (() => void)[]>();
  /** Set when an earlier stage failed: the others stop at their next step. */
  private stopped = false;
  private readonly usedArgs = new Set<string>();
  /** Numbers the scratch files of the build (layer tars, downloads). */
  tarSeq = 0;
  /** The cache: local images (listed once; what the build makes is added) and the cache-from ones. */
  private readonly cache: BuildCache;

  constructor(
    readonly ctx: Ctx,
    readonly backend: BuildBackend,
    readonly opts: BuildOptions,
    private readonly send: (m: BuildMessage) => Promise<void>,
  ) {
    this.cache = new BuildCache(
      () => backend.images(ctx),
      (req) => backend.restoreCached(ctx, req),
    );
  }

  /** The --cache-from images that exist here (moby MakeImageCache skips the others). */
  private async cacheSources(refs: string[]): Promise<BuildImage[]> {
    const found = await Promise.all(
      refs.map((ref) =>
        this.backend.image(this.ctx, ref, { pull: 'never', authConfigs: {}, progress: async () => {} }).catch((e) => {
          if (kindOf(e) === 'notFound') return undefined;
          throw e;
        }),
      ),
    );
    return found.filter((x): x is BuildImage => !!x);
  }

  /**
   * Writes one stream message; the promise resolves when there is room again (callers that
   * produce much, RUN output, wait on it). A stage running ahead of the one shown holds its
   * output, at most HIGH_WATER messages, then waits for its turn. Without `stage`, the
   * message is the build's own (before or after the stages).
   */
  private out(s: string, stage?: StagePos): Promise<void> {
    return this.emit({ stream: s }, stage);
  }

  /** out() for any message (a pull's progress inside a FROM step). */
  private emit(m: BuildMessage, stage?: StagePos): Promise<void> {
    if (this.opts.quiet) return Promise.resolve();
    if (stage === undefined || stage.index === this.shown) return this.send(m);
    const held = this.held.get(stage.index)!;
    held.push(m);
    if (held.length < HIGH_WATER) return Promise.resolve();
    return new Promise((r) => this.turn.set(stage.index, [...(this.turn.get(stage.index) ?? []), r]));
  }

  /**
   * The image a FROM or COPY --from names that is no stage: local, or pulled when missing or
   * when the build says `--pull` (moby imageSources.Get with PullParent), its progress shown
   * in the step.
   */
  baseImage(ref: string, pos: StagePos): Promise<BuildImage> {
    return this.backend.image(this.ctx, ref, {
      pull: this.opts.pull ? 'always' : 'missing',
      authConfigs: this.opts.authConfigs ?? {},
      progress: (m) => this.emit(m, pos),
    });
  }

  /** Shows stage `index` from now on: what it wrote so far first. */
  private show(index: number): void {
    this.shown = index;
    for (const m of this.held.get(index) ?? []) void this.send(m);
    this.held.delete(index);
    for (const r of this.turn.get(index) ?? []) r();
    this.turn.delete(index);
  }

  /** The image of an earlier stage named `ref` (name or index), if any. */
  stageImage(ref: string, before: number): Promise<BuildImage> | undefined {
    const s = this.stageImages.get(ref.toLowerCase());
    return s && s.index < before ? s.image : undefined;
  }

  async run(): Promise<void> {
    const dfPath = posix.normalize(this.opts.dockerfile || 'Dockerfile');
    if (dfPath.startsWith('../') || dfPath.startsWith('/')) throw invalidParameter(`forbidden path outside the build context: ${this.opts.dockerfile}`);
    const locate = () => invalidParameter(`Cannot locate specified Dockerfile: ${this.opts.dockerfile || 'Dockerfile'}`);
    // The Dockerfile may be a symlink: it must resolve inside the context too.
    const real = await fs.realpath(join(this.opts.contextDir, dfPath)).catch(() => {
      throw locate();
    });
    const root = await fs.realpath(this.opts.contextDir);
    if (!real.startsWith(root + '/')) throw invalidParameter(`forbidden path outside the build context: ${this.opts.dockerfile}`);
    const text = await fs.readFile(real, 'utf8').catch(() => {
      throw locate();
    });
    const parsed = parseDockerfile(text, this.opts.dockerfile || 'Dockerfile');
    for (const w of parsed.warnings) this.out(w + '\n');
    if (parsed.instructions.length === 0) throw invalidParameter('the Dockerfile (Dockerfile) cannot be empty');
    // Meta args (ARG before the first FROM) and stages.
    const metaArgs = this.metaArgs;
    const { metaSteps, stages } = splitStages(parsed.instructions, this.opts.dockerfile, (ins) => {
      for (const a of ins.args) {
        const [k, v] = argKV(a, metaArgs);
        metaArgs.set(k, this.opts.buildArgs[k] ?? v);
        this.usedArgs.add(k);
      }
    });
    let last = stages.length - 1;
    if (this.opts.target) {
      last = stages.findIndex((s) => s.name === this.opts.target.toLowerCase());
      if (last < 0) throw invalidParameter(`failed to reach build target ${this.opts.target} in Dockerfile`);
    }
    const needed = neededStages(stages, last, metaArgs);
    const labelKeys = Object.keys(this.opts.labels);
    // Step numbers are fixed up front: stages that do not depend on each other build at once,
    // and their output is shown stage after stage, as a sequential build would print it.
    const labelStep = (i: number) => (i === last && labelKeys.length ? 1 : 0);
    // compat: ARGs before the first FROM count and print as steps, without an image line (moby)
    this.total = metaSteps.length + needed.reduce((n, i) => n + 1 + stages[i]!.commands.length + labelStep(i), 0);
    metaSteps.forEach((ins, i) => {
      this.out(`Step ${i + 1}/${this.total} : ${ins.original}`);
      this.out('\n');
    });
    // The cache's candidates are listed while the stages resolve their FROM.
    if (!this.opts.noCache) {
      this.cache.prefetch();
      if (this.opts.cacheFrom?.length) this.cache.setSources(this.cacheSources(this.opts.cacheFrom));
    }
    const builds: Promise<BuildImage>[] = [];
    let offset = metaSteps.length;
    for (const i of needed) {
      const st = stages[i]!;
      const extra =
        labelStep(i)
          ? [{ cmd: 'label', original: 'LABEL ' + labelKeys.map((k) => `${JSON.stringify(k)}=${JSON.stringify(this.opts.labels[k])}`).join(' '), flags: [], args: labelKeys.flatMap((k) => [JSON.stringify(k), JSON.stringify(this.opts.labels[k])]), json: false, heredocs: [], line: 0, endLine: 0 } satisfies Instruction]
          : [];
      this.held.set(i, []);
      const image = this.buildStage(st, { index: i, step: offset }, metaArgs, extra);
      image.catch(() => {});
      builds.push(image);
      this.stageImages.set(String(i), { index: i, image });
      if (st.name) this.stageImages.set(st.name, { index: i, image });
      offset += 1 + st.commands.length + labelStep(i);
    }
    let final: BuildImage | undefined;
    for (const [k, i] of needed.entries()) {
      this.show(i);
      try {
        final = await builds[k]!;
      } catch (e) {
        this.stopped = true;
        await Promise.allSettled(builds);
        throw e;
      }
    }
    this.shown = -1;
    const unused = Object.keys(this.opts.buildArgs)
      .filter((k) => !this.usedArgs.has(k) && !BUILTIN_ARGS.has(k) && k !== 'SOURCE_DATE_EPOCH' && k !== 'BERTH_BUILD_TIME')
      .sort();
    if (unused.length) this.out(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed\n`);
    if (!final) throw invalidParameter('No image was generated. Is your Dockerfile empty?');
    this.send({ aux: { ID: final.id } });
    if (this.opts.quiet) this.send({ stream: `${final.id}\n` });
    this.out(`Successfully built ${short(final.id)}\n`);
    for (const t of this.opts.tags) {
      await this.backend.tag(this.ctx, final.id, t);
      // compat: dockerd prints the reference normalized (`app` -> `app:latest`)
      this.out(`Successfully tagged ${familiarString(withDefaultTag(parseNormalizedNamed(t)))}\n`);
    }
  }

  private stepHeader(text: string, pos: StagePos): void {
    // A client that went away stops the build between steps.
    if (this.ctx.signal.aborted || this.stopped) throw cancelled();
    pos.step++;
    this.out(`Step ${pos.step}/${this.total} : ${text}`, pos);
    this.out('\n', pos);
  }

  private async buildStage(stage: Stage, pos: StagePos, metaArgs: Map<string, string | undefined>, extra: Instruction[]): Promise<BuildImage> {
    this.stepHeader(stage.from.original, pos);
    const ref = expandMeta(stage.from.args[0]!, metaArgs);
    let image: BuildImage | undefined;
    if (ref.toLowerCase() !== 'scratch') {
      image = (await this.stageImage(ref, pos.index)) ?? (await this.baseImage(ref, pos));
    }
    const triggers = image?.config.config?.OnBuild ?? [];
    if (triggers.length === 0) this.out(` ---> ${image ? short(image.id) : ''}\n`, pos);
    const base = image?.config.config ?? {};
    const epoch = this.opts.buildArgs['SOURCE_DATE_EPOCH'];
    const created =
      this.opts.buildArgs['BERTH_BUILD_TIME'] === 'now'
        ? new Date()
        : epoch && /^\d+$/.test(epoch)
          ? new Date(Number(epoch) * 1000)
          : image?.config.created
            ? new Date(image.config.created)
            : new Date(0);
    const st: StageState = {
      pos,
      image,
      config: { ...structuredClone(base), Env: base.Env ?? (image ? null : [DEFAULT_PATH]) },
      args: new Map(),
      created,
    };
    if (!st.config.Env) st.config.Env = image ? [] : [DEFAULT_PATH];
    // ONBUILD triggers of the base image run first, inside the FROM step, whose ` ---> <id>`
    // line then shows their result (moby dispatchTriggeredOnBuild).
    st.config.OnBuild = [];
    if (triggers.length) {
      this.out(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}\n`, pos);
      st.inTriggers = true;
      for (const t of triggers) {
        const parsed = parseDockerfile(t, 'ONBUILD').instructions;
        for (const ins of parsed) await this.dispatch(st, ins);
      }
      st.inTriggers = false;
      this.out(` ---> ${st.image ? short(st.image.id) : ''}\n`, pos);
    }
    for (const ins of [...stage.commands, ...extra]) {
      this.stepHeader(ins.original, pos);
      await this.dispatch(st, ins);
    }
    if (!st.image) throw invalidParameter('No image was generated. Is your Dockerfile empty?');
    return st.image;
  }

  /** The variables for substitution: ARGs in effect under the ENV of the config. */
  substEnv(st: StageState): Map<string, string> {
    const m = new Map<string, string>();
    for (const [k, v] of st.args) if (v !== undefined) m.set(k, v);
    for (const [k, v] of envMap(st.config.Env ?? [])) m.set(k, v);
    return m;
  }

  flag(ins: Instruction, name: string): string | undefined {
    let v: string | undefined;
    for (const f of ins.flags) {
      const m = /^--([^=]+)(?:=(.*))?$/.exec(f)!;
      if (m[1] === name) v = m[2] ?? '';
    }
    return v;
  }

  checkFlags(ins: Instruction, allowed: string[]): void {
    for (const f of ins.flags) {
      const name = /^--([^=]+)/.exec(f)![1]!;
      if (!allowed.includes(name)) throw new DockerfileError(this.opts.dockerfile, ins.line, `Unknown flag: ${name}`);
    }
  }

  private async dispatch(st: StageState, ins: Instruction): Promise<void> {
    const env = () => this.substEnv(st);
    const fail = (msg: string) => new DockerfileError(this.opts.dockerfile, ins.line, msg);
    const word = (w: string) => {
      try {
        return processWord(w, env());
      } catch (e) {
        if (e instanceof ShellError) throw fail(e.message);
        throw e;
      }
    };
    const c = st.config;
    if (!['copy', 'add', 'healthcheck', 'run'].includes(ins.cmd)) this.checkFlags(ins, []);
    if (ins.cmd === 'healthcheck') this.checkFlags(ins, ['interval', 'timeout', 'start-period', 'start-interval', 'retries']);
    const applied = applyConfigInstruction(c, ins, {
      word,
      words: (raw) => processWords(raw, env()),
      fail,
      flag: (name) => this.flag(ins, name),
      cmdSet: !!st.cmdSet,
    });
    if (applied) {
      if (applied.cmdSet) st.cmdSet = true;
      return this.commitMeta(st, applied.comment);
    }
    switch (ins.cmd) {
      case 'maintainer':
        if (ins.args.length === 0) throw fail('MAINTAINER requires exactly one argument');
        st.author = ins.args[0]!;
        return this.commitMeta(st, `MAINTAINER ${ins.args[0]}`);
      case 'arg': {
        if (ins.args.length === 0) throw fail('ARG requires exactly one argument');
        const parts: string[] = [];
        for (const a of ins.args) {
          const [k, def] = argKV(a, new Map([...st.args, ...envMap(c.Env ?? [])]));
          const given = Object.prototype.hasOwnProperty.call(this.opts.buildArgs, k) ? this.opts.buildArgs[k] : undefined;
          // compat: a stage's `ARG NAME` without a default takes the value of the global ARG NAME
          const v = given ?? def ?? this.metaArgs.get(k);
          st.args.set(k, v ?? undefined);
          this.usedArgs.add(k);
          parts.push(def !== undefined ? `${k}=${def}` : k);
        }
        return this.commitMeta(st, `ARG ${parts.join(' ')}`);
      }
      case 'run':
        return this.runStep(st, ins);
      case 'copy':
      case 'add':
        return copyStep(this, st, ins, word, fail);
      default:
        throw fail(`unknown instruction: ${ins.cmd.toUpperCase()}`);
    }
  }

  /** The build args in effect for RUN (declared, with a value, not shadowed by ENV), sorted. */
  private runArgs(st: StageState): { saved: string[]; env: string[] } {
    const envKeys = new Set(envMap(st.config.Env ?? []).keys());
    const saved: string[] = [];
    for (const [k, v] of st.args) if (v !== undefined && !envKeys.has(k)) saved.push(`${k}=${v}`);
    // compat: the proxy args reach RUN without an ARG, but stay out of the history and cache key
    const proxies: string[] = [];
    for (const k of BUILTIN_ARGS) {
      const v = this.opts.buildArgs[k];
      if (v != null && !st.args.has(k) && !envKeys.has(k)) proxies.push(`${k}=${v}`);
    }
    return { saved: saved.sort(), env: [...saved, ...proxies].sort() };
  }

  /** The cache probe (cache.ts). */
  private async probeCache(st: StageState, containerConfig: ImageRuntimeConfig): Promise<BuildImage | undefined> {
    if (this.opts.noCache) return undefined;
    return this.cache.probe({ ...(st.image ? { parent: st.image } : {}), containerConfig, config: this.finalConfig(st.config) });
  }

  private finalConfig(c: ImageRuntimeConfig): ImageRuntimeConfig {
    const out = structuredClone(c);
    if (out.OnBuild && out.OnBuild.length === 0) out.OnBuild = null;
    return out;
  }

  /** container_config of a step: the config with the step's Cmd (moby copyRunConfig). */
  stepConfig(st: StageState, cmd: string[]): ImageRuntimeConfig {
    return { ...this.finalConfig(st.config), Cmd: cmd };
  }

  async useCache(st: StageState, cc: ImageRuntimeConfig): Promise<boolean> {
    const hit = await this.probeCache(st, cc);
    if (!hit) return false;
    this.out(' ---> Using cache\n', st.pos);
    if (!st.inTriggers) this.out(` ---> ${short(hit.id)}\n`, st.pos);
    st.image = hit;
    return true;
  }

  async commit(st: StageState, cc: ImageRuntimeConfig, layer: LayerSource, createdBy: string, print = true): Promise<void> {
    st.image = await this.backend.newImage(this.ctx, {
      parent: st.image,
      layer,
      config: this.finalConfig(st.config),
      containerConfig: cc,
      createdBy,
      created: st.created,
      ...(st.author ? { author: st.author } : {}),
    });
    await this.cache.add(st.image);
    if (print && !st.inTriggers) this.out(` ---> ${short(st.image.id)}\n`, st.pos);
  }

  /** A step that changes only the config (moby commit with `#(nop)`). */
  private async commitMeta(st: StageState, comment: string): Promise<void> {
    const cc = this.stepConfig(st, [...DEFAULT_SHELL, `#(nop) `, comment]);
    if (await this.useCache(st, cc)) return;
    // compat: dockerd creates (and removes) a container for these steps; only the lines remain
    const fakeId = randomBytes(6).toString('hex');
    this.out(` ---> Running in ${fakeId}\n`, st.pos);
    if (this.opts.rm) this.out(`Removing intermediate container ${fakeId}\n`, st.pos);
    await this.commit(st, cc, { kind: 'none' }, cc.Cmd!.join(' '));
  }

  private async runStep(st: StageState, ins: Instruction): Promise<void> {
    for (const f of ['mount', 'security']) {
      // compat: moby's classic builder names BuildKit for these RUN flags
      if (this.flag(ins, f) !== undefined) {
        throw new DockerfileError(this.opts.dockerfile, ins.line, `the --${f} option requires BuildKit. Refer to https://docs.docker.com/go/buildkit/ to learn how to build images with BuildKit enabled`);
      }
    }
    this.checkFlags(ins, ['network']);
    const network = this.flag(ins, 'network');
    if (network !== undefined && !['default', 'none', 'host'].includes(network)) {
      throw new DockerfileError(this.opts.dockerfile, ins.line, `unsupported network mode ${JSON.stringify(network)} (default, none or host)`);
    }
    const shell = st.config.Shell ?? DEFAULT_SHELL;
    let cmd: string[];
    if (ins.json) cmd = ins.args;
    else {
      let script = ins.args[0] ?? '';
      // Heredocs go to the shell as written: it reads them itself.
      for (const h of ins.heredocs) {
        if (script.trim() === `<<${h.name}` || script.trim() === `<<-${h.name}`) script = h.content;
        else script += `\n${h.content}${h.name}`;
      }
      cmd = [...shell, script];
    }
    const args = this.runArgs(st);
    const saved = args.saved.length ? [`|${args.saved.length}`, ...args.saved, ...cmd] : cmd;
    const cc = this.stepConfig(st, saved);
    if (await this.useCache(st, cc)) return;
    const runConfig: ImageRuntimeConfig = { ...this.finalConfig(st.config), Cmd: cmd, Entrypoint: null, Env: [...(st.config.Env ?? []), ...args.env] };
    if (!st.image) throw new StepError(`the command '${cmd.join(' ')}' cannot run: the stage has no filesystem yet (FROM scratch without a COPY or ADD before it)`);
    const hostConfig: HostConfig = { ...(this.opts.hostConfig ?? {}) };
    if (network === 'none' || network === 'host') hostConfig.NetworkMode = network;
    const id = await this.backend.createContainer(this.ctx, { image: st.image, config: runConfig, hostConfig });
    this.out(` ---> Running in ${short(id)}\n`, st.pos);
    let code: number;
    try {
      code = await this.backend.runContainer(this.ctx, id, (b) => this.out(b.toString('utf8'), st.pos));
    } catch (e) {
      if (this.opts.forceRm) await this.backend.removeContainer(this.ctx, id).catch(() => {});
      throw e;
    }
    if (code !== 0) {
      if (this.opts.forceRm) await this.backend.removeContainer(this.ctx, id).catch(() => {});
      throw new StepError(`The command '${cmd.join(' ')}' returned a non-zero code: ${code}`, code);
    }
    try {
      await this.commit(st, cc, { kind: 'container', id }, saved.join(' '), false);
    } finally {
      if (this.opts.rm) {
        await this.backend.removeContainer(this.ctx, id).catch(() => {});
        this.out(`Removing intermediate container ${short(id)}\n`, st.pos);
      }
    }
    if (!st.inTriggers) this.out(` ---> ${short(st.image!.id)}\n`, st.pos);
  }
}

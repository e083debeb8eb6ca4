/** The stages of a Dockerfile: which ones a target needs, and FROM's meta-args expanded. */
import { processWord } from './dockerfile/shell.js';
import type { Stage } from './build-types.js';
import { DockerfileError, type Instruction } from './dockerfile/parser.js';
import { invalidParameter } from '../lib/index.js';

/** The stages `last` needs (its FROM chain and COPY --from sources), in file order. */
export function neededStages(stages: Stage[], last: number, metaArgs: Map<string, string | undefined>): number[] {
  const need = new Set<number>();
  const byName = (ref: string, before: number): number | undefined => {
    const r = ref.toLowerCase();
    const i = stages.findIndex((s, j) => j < before && (s.name === r || String(j) === r));
    return i >= 0 ? i : undefined;
  };
  const visit = (i: number) => {
    if (need.has(i)) return;
    need.add(i);
    const s = stages[i]!;
    const base = byName(expandMeta(s.from.args[0]!, metaArgs), i);
    if (base !== undefined) visit(base);
    for (const c of s.commands) {
      for (const f of c.flags) {
        const m = /^--from=(.*)$/.exec(f);
        if (m && c.cmd === 'copy') {
          const dep = byName(m[1]!, i);
          if (dep !== undefined) visit(dep);
        }
      }
    }
  };
  visit(last);
  return [...need].sort((a, b) => a - b);
}

/** A FROM word with the meta-args (the ARGs before the first FROM) substituted. */
export function expandMeta(word: string, metaArgs: Map<string, string | undefined>): string {
  const env = new Map<string, string>();
  for (const [k, v] of metaArgs) if (v !== undefined) env.set(k, v);
  return processWord(word, env);
}

/**
 * The Dockerfile's instructions as the ARG steps before the first FROM (each handed to
 * `metaArg` in order) and the stages, with moby's checks of FROM lines and stage names.
 */
export function splitStages(instructions: Instruction[], dockerfile: string, metaArg: (ins: Instruction) => void): { metaSteps: Instruction[]; stages: Stage[] } {
  const metaSteps: Instruction[] = [];
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.cmd === 'from') {
      const words = ins.args;
      if (words.length !== 1 && !(words.length === 3 && words[1]!.toLowerCase() === 'as')) {
        throw new DockerfileError(dockerfile, ins.line, 'FROM requires either one or three arguments');
      }
      const name = words.length === 3 ? words[2]!.toLowerCase() : '';
      if (name && !/^[a-z][a-z0-9-_.]*$/.test(name)) {
        throw new DockerfileError(dockerfile, ins.line, `invalid name for build stage: "${words[2]}", name can't start with a number or contain symbols`);
      }
      if (name && stages.some((st) => st.name === name)) throw invalidParameter(`${name} stage name already used`);
      stages.push({ name, index: stages.length, from: ins, commands: [] });
    } else if (stages.length === 0) {
      if (ins.cmd !== 'arg') throw new DockerfileError(dockerfile, ins.line, 'no build stage in current context');
      metaSteps.push(ins);
      metaArg(ins);
    } else stages[stages.length - 1]!.commands.push(ins);
  }
  return { metaSteps, stages };
}

/** An ARG word as name and default (`NAME=default` expanded with `env`; undefined without `=`). */
export function argKV(a: string, env: ReadonlyMap<string, string | undefined>): [string, string | undefined] {
  const i = a.indexOf('=');
  if (i === 0) throw invalidParameter('ARG names can not be blank');
  if (i < 0) return [a, undefined];
  const e = new Map<string, string>();
  for (const [k, v] of env) if (v !== undefined) e.set(k, v);
  return [a.slice(0, i), processWord(a.slice(i + 1), e)];
}

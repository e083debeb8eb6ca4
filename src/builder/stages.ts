/** The stages of a Dockerfile: which ones a target needs, and FROM's meta-args expanded. */
import { processWord } from './dockerfile/shell.js';
import type { Stage } from './build-types.js';

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

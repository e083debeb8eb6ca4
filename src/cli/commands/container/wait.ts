/**
 * `berth container wait` / `berth wait CONTAINER...`: POST /containers/{name}/wait (no
 * condition: not-running) for each name in turn, printing each exit code; failures at the end.
 */
import { defineCommand, StatusError } from '../../command.js';
import { checkName, containerWait } from './session.js';

export default defineCommand({
  name: 'wait',
  usage: 'wait CONTAINER [CONTAINER...]',
  description: 'Block until one or more containers stop, then print their exit codes',
  flags: [] as const,
  args: { min: 1 },
  async run(cli, _opts, args) {
    const errs: string[] = [];
    for (const name of args) {
      try {
        const { result } = await containerWait(cli, checkName(name), '');
        const r = await result;
        cli.out.write(`${r.StatusCode}\n`);
      } catch (e) {
        errs.push(cli.errorText(e));
      }
    }
    if (errs.length) throw new StatusError(errs.join('\n'), 1);
  },
});

/**
 * berth: the CLI entry point. Everything lives in cli/; this file only binds it to the process.
 * It imports cli/main.js directly (not cli/index.js) to load no module `berth version` does not use.
 */
import { main } from '../cli/main.js';

// A closed pipe (`berth events | head -1`) ends the CLI quietly instead of crashing it.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});

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

const argv = process.argv.slice(2);
// `berth registry …` runs the registry server, which cli/ may not import (STYLE D3).
process.exitCode =
  argv[0] === 'registry'
    ? await (await import('./registry.js')).registryMain(argv.slice(1), { stdout: process.stdout, stderr: process.stderr })
    : await main(argv, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });

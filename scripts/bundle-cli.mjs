// Bundles the berth CLI (tsc's dist/src/cmd/berth.js and what it imports) into dist/cli/: one
// module to load at start instead of some 60, with each command's code in a chunk loaded when
// that command runs. CommonJS dependencies loaded with require() get a real require.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist/cli', { recursive: true, force: true });

await build({
  entryPoints: ['dist/src/cmd/berth.js'],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: 'dist/cli',
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  banner: { js: "import { createRequire as __berthCreateRequire } from 'node:module'; const require = __berthCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});

/**
 * What `berth version` and `berth --version` say about the client: lib's version and git
 * commit ("dev" outside a checkout), and as build time the mtime of this compiled module (when
 * tsc produced it).
 */
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BERTH_VERSION, gitCommit } from '../lib/index.js';
import { formatANSIC } from './format/gotime.js';

export interface ClientBuild {
  version: string;
  gitCommit: string;
  buildTime: string;
  /** The runtime, in the place docker prints its Go version ("node20.20.2"). */
  runtimeVersion: string;
  os: string;
  arch: string;
}

const GO_ARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };

/** Reads the client's build facts (a few small file reads). */
export function clientBuild(): ClientBuild {
  let buildTime = '';
  try {
    buildTime = formatANSIC(statSync(fileURLToPath(import.meta.url)).mtime);
  } catch {
    // unknown
  }
  return {
    version: BERTH_VERSION,
    gitCommit: gitCommit(),
    buildTime,
    runtimeVersion: `node${process.versions.node}`,
    os: process.platform,
    arch: GO_ARCH[process.arch] ?? process.arch,
  };
}

/**
 * Node built-ins that cost a few milliseconds to load (OpenSSL's bindings, zlib, process
 * spawning), loaded on first use instead of at import: `berth version` and other short CLI
 * commands import lib/ whole and use none of them.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let crypto: typeof import('node:crypto') | undefined;
let zlib: typeof import('node:zlib') | undefined;
let childProcess: typeof import('node:child_process') | undefined;

export const nodeCrypto = (): typeof import('node:crypto') => (crypto ??= require('node:crypto') as typeof import('node:crypto'));
export const nodeZlib = (): typeof import('node:zlib') => (zlib ??= require('node:zlib') as typeof import('node:zlib'));
export const nodeChildProcess = (): typeof import('node:child_process') => (childProcess ??= require('node:child_process') as typeof import('node:child_process'));

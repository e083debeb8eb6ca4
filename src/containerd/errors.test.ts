import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DockerError, kindOf } from '../lib/index.js';
import { GrpcCode, fromGrpcError, hasGrpcCode, kindOfGrpcCode } from './errors.js';

/** A grpc-js ServiceError look-alike. */
function grpcError(code: number, details: string): Error & { code: number; details: string } {
  return Object.assign(new Error(`${code} X: ${details}`), { code, details, metadata: {} });
}

test('gRPC codes map to error kinds', () => {
  const table: [number, string][] = [
    [GrpcCode.INVALID_ARGUMENT, 'invalidParameter'],
    [GrpcCode.OUT_OF_RANGE, 'invalidParameter'],
    [GrpcCode.NOT_FOUND, 'notFound'],
    [GrpcCode.ALREADY_EXISTS, 'conflict'],
    [GrpcCode.FAILED_PRECONDITION, 'conflict'],
    [GrpcCode.PERMISSION_DENIED, 'forbidden'],
    [GrpcCode.UNAUTHENTICATED, 'unauthorized'],
    [GrpcCode.UNIMPLEMENTED, 'notImplemented'],
    [GrpcCode.UNAVAILABLE, 'unavailable'],
    [GrpcCode.CANCELLED, 'cancelled'],
    [GrpcCode.DEADLINE_EXCEEDED, 'deadline'],
    [GrpcCode.UNKNOWN, 'system'],
    [GrpcCode.INTERNAL, 'system'],
    [GrpcCode.ABORTED, 'system'],
    [GrpcCode.RESOURCE_EXHAUSTED, 'system'],
    [GrpcCode.DATA_LOSS, 'system'],
  ];
  for (const [code, kind] of table) {
    assert.equal(kindOfGrpcCode(code), kind, `code ${code}`);
    const src = grpcError(code, 'details here');
    const err = fromGrpcError(src);
    assert.ok(err instanceof DockerError);
    assert.equal(kindOf(err), kind);
    assert.equal(err.message, 'details here');
    assert.equal(err.cause, src);
  }
});

test('an aborted signal wins over the status: cancelled, or deadline for a timeout', () => {
  const ac = new AbortController();
  ac.abort();
  const src = grpcError(GrpcCode.CANCELLED, 'Cancelled on client');
  assert.equal(kindOf(fromGrpcError(src, ac.signal)), 'cancelled');
  const timeout = new AbortController();
  timeout.abort(new DOMException('timed out', 'TimeoutError'));
  assert.equal(kindOf(fromGrpcError(src, timeout.signal)), 'deadline');
});

test('non-gRPC errors pass through; hasGrpcCode walks the cause chain', () => {
  const plain = new Error('boom');
  assert.equal(fromGrpcError(plain), plain);
  const wrapped = fromGrpcError(grpcError(GrpcCode.ALREADY_EXISTS, 'exists'));
  assert.ok(hasGrpcCode(wrapped, GrpcCode.ALREADY_EXISTS));
  assert.ok(!hasGrpcCode(wrapped, GrpcCode.NOT_FOUND));
  assert.ok(!hasGrpcCode(plain, GrpcCode.ALREADY_EXISTS));
});

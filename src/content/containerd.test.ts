import { after, before, describe } from 'node:test';
import { startTestContainerd, type TestContainerd } from '../containerd/index.js';
import { background } from '../lib/index.js';
import { ContainerdContentStore, ContainerdLeases } from './containerd.js';
import { contentStoreSuite } from './testsuite.js';

let cd: TestContainerd;
let lease = '';
before(async () => {
  cd = await startTestContainerd();
  // Unreferenced content is garbage: the suite's blobs are held by a lease, as in berthd.
  lease = await new ContainerdLeases(cd.client).create(background(), { expireAfterMs: 600_000 });
});
after(async () => {
  await cd?.cleanup();
});

describe('containerd content store', () => {
  contentStoreSuite('containerd', async () => new ContainerdContentStore(cd.client).withLease(lease));
});

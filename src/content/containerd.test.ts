import { after, before, describe } from 'node:test';
import { startTestContainerd, type TestContainerd } from '../containerd/index.js';
import { ContainerdContentStore } from './containerd.js';
import { contentStoreSuite } from './testsuite.js';

let cd: TestContainerd;
before(async () => {
  cd = await startTestContainerd();
});
after(async () => {
  await cd?.cleanup();
});

describe('containerd content store', () => {
  contentStoreSuite('containerd', async () => new ContainerdContentStore(cd.client));
});

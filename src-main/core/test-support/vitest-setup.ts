// Runs before every test file. Its afterAll is registered first, so it runs after the file's own
// teardown (cores shut down, stores closed): only then are the file's temp directories removed.
import { afterAll } from 'vitest';
import { removeTempDirs } from './temp-dir';

afterAll(() => removeTempDirs());

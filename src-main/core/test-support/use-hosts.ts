// A test file's own SSH server and Docker API, started once before its tests and stopped after
// (both from the repo's recipes; the first run on a machine builds the image, hence the long hook).
import { afterAll, beforeAll } from 'vitest';
import { startDockerApi, type TestDockerApi } from './docker-api';
import { startSshd, type TestSshd } from './sshd';

/** A test file's own SSH server, started once before its tests and stopped after. The value reads
 *  through to the running server, so a file can use it as `sshd.port` in its tests. */
export function useSshd(): TestSshd {
  let sshd: TestSshd | undefined;
  beforeAll(() => {
    sshd = startSshd();
  }, 120_000);
  afterAll(() => sshd?.stop());
  const started = (): TestSshd => {
    if (!sshd) throw new Error('sshd is started in beforeAll');
    return sshd;
  };
  return {
    get dir() { return started().dir; },
    get pid() { return started().pid; },
    get port() { return started().port; },
    get user() { return started().user; },
    get shoalRoot() { return started().shoalRoot; },
    get identity() { return started().identity; },
    get fingerprint() { return started().fingerprint; },
    stop: () => started().stop(),
  };
}

export interface TestHosts { readonly sshd: TestSshd; readonly dockerApi: TestDockerApi }

export function useSshdAndDocker(): TestHosts {
  let sshd: TestSshd | undefined;
  let dockerApi: TestDockerApi | undefined;
  beforeAll(() => {
    sshd = startSshd();
    dockerApi = startDockerApi();
  }, 300_000);
  afterAll(() => {
    sshd?.stop();
    dockerApi?.stop();
  });
  return {
    get sshd() {
      if (!sshd) throw new Error('sshd is started in beforeAll');
      return sshd;
    },
    get dockerApi() {
      if (!dockerApi) throw new Error('the Docker API is started in beforeAll');
      return dockerApi;
    },
  };
}

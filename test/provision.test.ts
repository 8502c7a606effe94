import { accessSync, constants } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { provision, required, tools } from '../scripts/provision.ts';

// `npm test` provisions what npm cannot install (the global setup calls these scripts); a
// tool it cannot get fails the files that need it with the one line that says how to get it.

describe('tools npm cannot install', () => {
  it('are all provisioned for this run, each an executable', () => {
    const provisioned = inject('tools');
    expect(Object.keys(provisioned).sort()).toEqual(Object.keys(tools).sort());
    for (const [name, tool] of Object.entries(provisioned)) {
      expect(tool.missing, name).toBeUndefined();
      expect(() => accessSync(tool.path!, constants.X_OK), name).not.toThrow();
    }
  });

  it('say in one line what to run when one cannot be had', async () => {
    const chromium = await provision('chromium', {
      ...process.env,
      CHROMIUM_PATH: '/nowhere/chromium',
    });
    expect(chromium).toEqual({
      missing:
        'chromium is missing (CHROMIUM_PATH=/nowhere/chromium is not an executable): ' +
        'apt-get install -y chromium, or set CHROMIUM_PATH',
    });
    expect(() => required('chromium', chromium)).toThrow(
      /^chromium is missing .*apt-get install -y chromium/,
    );

    // No cached test server and no Java on PATH (only bash): it names the packages to install.
    const emptyCache = await mkdtemp(join(tmpdir(), 'rose-checkout-test-cache-'));
    try {
      await mkdir(join(emptyCache, 'bin'));
      await symlink('/bin/bash', join(emptyCache, 'bin', 'bash'));
      const server = await provision('temporal-test-server', {
        ...process.env,
        ROSE_CACHE_DIR: emptyCache,
        PATH: join(emptyCache, 'bin'),
      });
      expect(server.missing).toBe(
        'temporal-test-server is missing (temporal-test-server needs java on PATH): ' +
          'apt-get install -y openjdk-17-jre-headless maven',
      );
    } finally {
      await rm(emptyCache, { recursive: true, force: true });
    }
  });
});

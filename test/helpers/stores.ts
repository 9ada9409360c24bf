// Real SQLite stores in a fresh temp dir per test, closed and removed after it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { Store, type StoreOptions } from '../../db/index.js';

/** Registers the hooks; the returned functions open a store in this test's dir and give the dir. */
export function tempStores(prefix: string): { open: (name?: string, opts?: StoreOptions) => Store; dir: () => string } {
  let dir = '';
  let stores: Store[] = [];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    stores = [];
  });
  afterEach(() => {
    for (const s of stores) {
      try {
        s.close();
      } catch {
        /* closed by the test */
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    open: (name = 'snat.db', opts?: StoreOptions) => {
      const s = Store.open(path.join(dir, name), opts);
      stores.push(s);
      return s;
    },
    dir: () => dir,
  };
}

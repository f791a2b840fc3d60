#!/usr/bin/env node
// Longer runs of the API fuzz suite (test/integration/fuzz/api-contract.test.ts) with a random seed,
// printed first so that any failure can be replayed: FUZZ_SEED=<seed> npm run fuzz.
// FUZZ_RUNS sets the requests per operation (default here 60; `npm test` uses 8 and a fixed seed).
// Storage as for the tests: DATABASE_URL and REDIS_URL, or neither for embedded mode.
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';

const seed = process.env.FUZZ_SEED ?? String(randomInt(1, 2 ** 31 - 1));
const runs = process.env.FUZZ_RUNS ?? '60';
console.log(`API fuzz: seed ${seed}, ${runs} requests per operation (replay: FUZZ_SEED=${seed} FUZZ_RUNS=${runs} npm run fuzz)`);
const result = spawnSync(
  process.execPath,
  ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', 'node_modules/jest/bin/jest.js', 'test/integration/fuzz/api-contract.test.ts', '-t', 'every operation', '--testTimeout', '3600000'],
  { stdio: 'inherit', env: { ...process.env, FUZZ_SEED: seed, FUZZ_RUNS: runs } },
);
if (result.status !== 0) console.log(`API fuzz failed with seed ${seed}: replay with FUZZ_SEED=${seed} FUZZ_RUNS=${runs} npm run fuzz`);
process.exit(result.status ?? 1);

import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  // the JS reference unless the run names another backend (`RNN_BACKEND=native vitest run …`)
  test: { include: ['test/**/*.test.ts'], testTimeout: 60_000, env: { RNN_BACKEND: process.env['RNN_BACKEND'] ?? 'js' } },
});

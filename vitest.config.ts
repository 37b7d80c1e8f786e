import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'steps/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Vitest's default is one worker fewer than the cores: on CI's 2 cores the suite would run one
    // file at a time. Most slow files wait on other processes (Chromium, engine servers, PostgreSQL),
    // so two files at once keep CI under 15 minutes without fewer tests.
    maxWorkers: 2,
  },
});

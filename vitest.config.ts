import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // End-to-end tests start an emulator and run the bundle as a child process; some scenarios
    // wait for operations and token expiry on purpose.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    include: ['test/**/*.test.ts'],
  },
});

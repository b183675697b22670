import { resolve } from 'node:path'
import { defineConfig } from 'vitest/config'
import react from '@vitejs/plugin-react'

// `require('electron')` in plain Node tries to download the binary: tests get a stub instead.
const alias = {
  electron: resolve(import.meta.dirname, 'test/stubs/electron.ts'),
  '@renderer': resolve(import.meta.dirname, 'renderer/src'),
  '@preload': resolve(import.meta.dirname, 'preload'),
}

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [react()],
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.{ts,tsx}'],
          environment: 'node',
          // Native addons are safest in forked processes, not worker threads.
          pool: 'forks',
          testTimeout: 30_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts', 'test/electron/**/*.test.ts'],
          environment: 'node',
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
})

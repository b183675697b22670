// The binning pipeline bundled for test/bench/heldout_vs_transfod.mjs (as test/parity does).
import { defineConfig } from 'vite'
export default defineConfig({
  logLevel: 'warn',
  build: {
    ssr: true,
    outDir: 'out/bench-heldout',
    emptyOutDir: true,
    minify: false,
    rollupOptions: {
      input: {
        objective: 'main/binning/objective.ts',
        config: 'main/binning/config.ts',
        optimize: 'main/services/optimize.ts',
        study: 'main/study/index.ts',
        transfo: 'main/binning/transfo.ts',
        space: 'main/binning/binning-space.ts',
        baselines: 'main/binning/baselines.ts',
      },
      output: { format: 'es', entryFileNames: '[name].mjs' },
    },
  },
  ssr: { external: ['yaml', 'pg'] },
})

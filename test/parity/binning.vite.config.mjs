import { defineConfig } from 'vite'
export default defineConfig({
  logLevel: 'warn',
  build: {
    ssr: true,
    outDir: 'out/parity-binning',
    emptyOutDir: true,
    minify: false,
    rollupOptions: { input: { objective: 'main/binning/objective.ts' }, output: { format: 'es', entryFileNames: '[name].mjs' } },
  },
  ssr: { external: ['yaml'] },
})

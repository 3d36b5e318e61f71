// The screens build into the Python package, served by the app under /static/ui/.
// Everything is bundled: no CDN, no runtime download (the platform runs on isolated networks).
import { defineConfig } from "vite";

export default defineConfig({
  base: "/static/ui/",
  build: {
    outDir: "../src/cityops/web/static/ui",
    emptyOutDir: true,
    assetsInlineLimit: 0, // CSP: img-src 'self' data: — keep assets as files
    chunkSizeWarningLimit: 1500,
    target: "es2022",
  },
});

import { defineConfig } from "vitest/config";

// `npm run dev` proxies the API to a running `make run` (port 8000); production is ui/dist, served by the API.
export default defineConfig({
  build: { outDir: "dist", assetsDir: "assets", target: "es2020", sourcemap: false },
  server: { proxy: { "/api": "http://127.0.0.1:8000" } },
  test: { include: ["src/**/*.test.ts"], environment: "node" },
});

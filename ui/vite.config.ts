import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// `npm run dev` proxies the API to a running `make run` (port 8000); production is ui/dist, served by the API.
export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", assetsDir: "assets", target: "es2020", sourcemap: false },
  server: { proxy: { "/api": "http://127.0.0.1:8000" } },
  // Plain logic runs in node; a component test names its DOM (`// @vitest-environment jsdom`).
  test: { include: ["src/**/*.test.{ts,tsx}"], environment: "node" },
});

/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The build is served by Django: index.html by the SPA view (config/views_frontend.py) for the
// client routes, the hashed assets as static files under /static/app/ (STATICFILES_DIRS).
// `npm run dev` proxies the API and websockets to a Django server on :8000.
export default defineConfig({
  base: "/static/app/",
  plugins: [react()],
  // react-jsonschema-form and its ajv validator make one ~900 kB (270 kB gzipped) chunk.
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1200 },
  server: {
    proxy: {
      "/api": "http://127.0.0.1:8000",
      "/admin": "http://127.0.0.1:8000",
      "/ws": { target: "ws://127.0.0.1:8000", ws: true },
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
  },
});

import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findCycles, relativeImports } from "./imports";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function sources(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|tsx)$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

function resolveModule(from: string, spec: string, files: ReadonlySet<string>): string | null {
  const base = resolve(dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, "index.ts"), join(base, "index.tsx")]) {
    if (files.has(candidate)) return candidate;
  }
  return null; // a stylesheet or the generated schema.d.ts: no code of ours to import back
}

function importGraph(): Map<string, string[]> {
  const files = sources(SRC);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = relativeImports(readFileSync(file, "utf8"))
      .map((spec) => resolveModule(file, spec, known))
      .filter((t): t is string => t !== null);
    graph.set(
      relative(SRC, file),
      targets.map((t) => relative(SRC, t)),
    );
  }
  return graph;
}

describe("imports", () => {
  it("finds a cycle however long, and each once", () => {
    const graph = new Map([
      ["main", ["pages/a"]],
      ["pages/a", ["lib/x", "pages/b"]],
      ["pages/b", ["main"]],
      ["lib/x", []],
      ["self", ["self"]],
    ]);
    expect(findCycles(graph)).toEqual([["main", "pages/a", "pages/b"], ["self"]]);
    expect(
      findCycles(
        new Map([
          ["a", ["b"]],
          ["b", []],
        ]),
      ),
    ).toEqual([]);
    expect(
      relativeImports(
        'import { a } from "./a";\nexport { b } from "../b";\nconst c = lazy(() => import("./pages/C"));\nimport "./style.css";\nimport x from "react";',
      ),
    ).toEqual(["./a", "../b", "./pages/C", "./style.css"]);
  });

  it("has no cycle in ui/src", () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(30);
    expect(graph.get("App.tsx")).toContain("pages/VideoPage.tsx"); // lazy imports count too
    expect(findCycles(graph)).toEqual([]);
  });

  it("keeps pages apart: nothing imports a page but the app (and the page's own test)", () => {
    const importers = [...importGraph()].filter(
      ([file, targets]) =>
        file !== "App.tsx" && targets.some((t) => t.startsWith("pages/") && t !== file.replace(/\.test\.tsx$/, ".tsx")),
    );
    expect(importers).toEqual([]);
  });
});

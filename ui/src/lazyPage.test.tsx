// @vitest-environment jsdom
import { act, cleanup, render, screen } from "@testing-library/react";
import { Suspense } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { lazyPage } from "./lazyPage";

afterEach(cleanup);

const Hello = () => <p>hello</p>;

describe("a lazy page", () => {
  it("draws at once, without the fallback, when its code was preloaded", async () => {
    let loads = 0;
    const page = lazyPage(() => {
      loads += 1;
      return Promise.resolve({ default: Hello });
    });
    await page.preload();
    await page.preload();
    render(
      <Suspense fallback={<p>loading</p>}>
        <page.Page />
      </Suspense>,
    );
    expect(screen.getByText("hello")).toBeTruthy();
    expect(screen.queryByText("loading")).toBeNull();
    expect(loads).toBe(1);
  });

  it("suspends until its code is in when it was not preloaded", async () => {
    let arrive: (module: { default: typeof Hello }) => void = () => undefined;
    const page = lazyPage(() => new Promise((resolve) => (arrive = resolve)));
    render(
      <Suspense fallback={<p>loading</p>}>
        <page.Page />
      </Suspense>,
    );
    expect(screen.getByText("loading")).toBeTruthy();
    await act(async () => {
      arrive({ default: Hello });
      await page.preload();
    });
    expect(await screen.findByText("hello")).toBeTruthy();
  });

  it("asks again after a failed fetch", async () => {
    let loads = 0;
    const page = lazyPage(() => {
      loads += 1;
      return loads === 1 ? Promise.reject(new Error("offline")) : Promise.resolve({ default: Hello });
    });
    await expect(page.preload()).rejects.toThrow("offline");
    await page.preload();
    expect(loads).toBe(2);
  });
});

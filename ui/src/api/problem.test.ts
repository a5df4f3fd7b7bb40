import { describe, expect, it } from "vitest";
import { call } from "./client";
import { ApiError, messageOf, problemMessage, UNREACHABLE } from "./problem";

describe("problems in words", () => {
  it("says the title and detail, the first validation error, and the wait of a 429", () => {
    expect(problemMessage({ title: "Unauthorized", detail: "token not accepted" }, 401)).toBe(
      "Unauthorized: token not accepted",
    );
    expect(problemMessage({ title: "Unprocessable", detail: null, errors: [{ msg: "q too long" }] }, 422)).toBe(
      "Unprocessable: q too long",
    );
    expect(problemMessage({ title: "Too Many Requests", detail: "slow down" }, 429, "", "12")).toBe(
      "Too Many Requests: slow down (in 12 s)",
    );
    expect(problemMessage("<html>", 502, "Bad Gateway")).toBe("The API answered 502 Bad Gateway");
    expect(messageOf(new Error("x"))).toBe("x");
  });

  it("turns an answer into its data, or an ApiError with the sentence", async () => {
    const ok = new Response('{"a":1}', { status: 200 });
    await expect(call(Promise.resolve({ data: { a: 1 }, response: ok }))).resolves.toEqual({ a: 1 });
    const gone = new Response(null, { status: 404 });
    const refused = call(Promise.resolve({ error: { title: "Not Found", detail: "no video 1" }, response: gone }));
    await expect(refused).rejects.toMatchObject({ status: 404, message: "Not Found: no video 1" });
    await expect(refused).rejects.toBeInstanceOf(ApiError);
    await expect(call(Promise.reject(new TypeError("Failed to fetch")))).rejects.toMatchObject({
      status: 0,
      message: UNREACHABLE,
    });
  });
});

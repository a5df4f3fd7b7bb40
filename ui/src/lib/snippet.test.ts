import { describe, expect, it } from "vitest";
import { snippetParts } from "./snippet";

describe("snippets", () => {
  it("splits the marked match out and unescapes the text", () => {
    expect(snippetParts("it was <mark>Thursday</mark> &amp; &lt;late&gt;")).toEqual([
      { text: "it was ", mark: false },
      { text: "Thursday", mark: true },
      { text: " & <late>", mark: false },
    ]);
    expect(snippetParts("no match")).toEqual([{ text: "no match", mark: false }]);
    // Escaped markup stays text: nothing in a snippet becomes an element but <mark>.
    expect(snippetParts("&lt;script&gt;x&lt;/script&gt;")).toEqual([{ text: "<script>x</script>", mark: false }]);
  });
});

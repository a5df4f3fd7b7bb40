import { describe, expect, it } from "vitest";
import { fileName, formatDuration, formatTime, formatWhen, languageName, momentsText, visibleText } from "./format";

describe("formatting", () => {
  it("formats durations and times", () => {
    expect(formatDuration(14_000)).toBe("0:14");
    expect(formatDuration(3_723_000)).toBe("1:02:03");
    expect(formatDuration(null)).toBe("–");
    expect(formatDuration(-1)).toBe("–");
    expect(formatTime(4_250)).toBe("0:04.2");
    expect(fileName("a/b/clip.mp4")).toBe("clip.mp4");
    expect(momentsText(1)).toBe("1 moment");
    expect(momentsText(0)).toBe("0 moments");
    expect(momentsText(25000, true)).toBe("About 25,000 moments");
    expect([languageName("fr"), languageName("de"), languageName("es")]).toEqual(["French", "German", "Spanish"]);
    expect(languageName("qq")).toBe("qq");
    expect(formatWhen("not a date")).toBe("not a date");
  });

  it("makes control characters visible and never lets bidi controls reorder a name", () => {
    expect(visibleText("line\nbreak.mp4")).toBe("line\u240Abreak.mp4");
    expect(visibleText("esc\u001b[31mred.mp4")).toBe("esc\u241B[31mred.mp4");
    expect(visibleText("tab\there\u007f")).toBe("tab\u2409here\u2421");
    expect(visibleText("clip\u202Egpj.mp4")).toBe("clip<U+202E>gpj.mp4");
    expect(visibleText("a\u200Bb\u2066c\u0085d")).toBe("a<U+200B>b<U+2066>c<U+0085>d");
    expect(visibleText("Café 東京 ñ.mp4")).toBe("Café 東京 ñ.mp4");
    expect(fileName("dir/evil\nname.mp4")).toBe("evil\u240Aname.mp4");
  });
});

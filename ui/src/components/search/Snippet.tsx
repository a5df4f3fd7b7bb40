import { snippetParts } from "../../lib/snippet";

/** A hit's snippet with its match marked, built from text parts (never innerHTML). */
export function Snippet({ html }: { html: string }) {
  return (
    <span className="snippet">
      {snippetParts(html).map((part, i) => (part.mark ? <mark key={i}>{part.text}</mark> : part.text))}
    </span>
  );
}

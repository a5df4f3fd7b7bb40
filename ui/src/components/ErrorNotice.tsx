import { messageOf } from "../api/problem";

/** An error said in words, announced to screen readers. */
export function ErrorNotice({ error, prefix = "" }: { error: unknown; prefix?: string }) {
  return (
    <p className="error" role="alert">
      {prefix}
      {typeof error === "string" ? error : messageOf(error)}
    </p>
  );
}

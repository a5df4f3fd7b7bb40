// Every failure of the API said as one sentence, from its RFC 9457 problem document.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export const UNREACHABLE = "The API cannot be reached: is Framewise running?";

/** "Title: detail" (or the first validation error), with the wait of a 429; a fallback for a body that is no problem. */
export function problemMessage(
  body: unknown,
  status: number,
  statusText = "",
  retryAfter: string | null = null,
): string {
  if (body === null || typeof body !== "object") return `The API answered ${status} ${statusText}`.trim();
  const problem = body as { title?: unknown; detail?: unknown; errors?: { msg?: unknown }[] | null };
  const title = typeof problem.title === "string" ? problem.title : `Error ${status}`;
  const detail = typeof problem.detail === "string" ? problem.detail : "";
  const first =
    Array.isArray(problem.errors) && typeof problem.errors[0]?.msg === "string" ? problem.errors[0].msg : "";
  const message = [title, detail || first].filter(Boolean).join(": ");
  return status === 429 && retryAfter ? `${message} (in ${retryAfter} s)` : message;
}

/** What an error says, whatever threw it. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

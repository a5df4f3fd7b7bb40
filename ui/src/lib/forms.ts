// Reading a submitted form.

/** The text of a form's field `name`: "" when it is missing or holds a file rather than text. */
export function formText(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === "string" ? value : "";
}

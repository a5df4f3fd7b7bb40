import { type FormEvent, useRef, useState } from "react";
import { messageOf } from "../api/problem";
import { useTitle } from "../hooks/useTitle";

interface Props {
  message?: string;
  onSignIn: (token: string) => Promise<void>;
}

/** The token, sent once for an HttpOnly session cookie; a refusal said in words, the field focused again. */
export function SignIn({ message = "", onSignIn }: Props) {
  const input = useRef<HTMLInputElement>(null);
  const [status, setStatus] = useState<{ text: string; kind: "" | "notice" | "error" }>({
    text: message,
    kind: message ? "notice" : "",
  });
  useTitle("Sign in");
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const field = input.current;
    if (!field) return;
    setStatus({ text: "Signing in…", kind: "" });
    try {
      await onSignIn(field.value);
      field.value = "";
    } catch (error) {
      setStatus({ text: messageOf(error), kind: "error" });
      field.focus();
    }
  };
  return (
    <main id="main" tabIndex={-1} className="centred">
      <form className="signin" aria-labelledby="signin-title" onSubmit={(e) => void submit(e)}>
        <h1 id="signin-title">Sign in to Framewise</h1>
        <label htmlFor="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="current-password"
          required
          aria-describedby="token-help"
          // eslint-disable-next-line jsx-a11y/no-autofocus -- the page is this one field: typing the token is all there is to do
          autoFocus
          ref={input}
        />
        <p id="token-help" className="help">
          One of the tokens in API_TOKENS (make run keeps one in .data/api-token). It is sent once; the browser then
          holds an HttpOnly session cookie.
        </p>
        <button type="submit">Sign in</button>
        <p id="signin-status" role="alert" className={status.kind}>
          {status.text}
        </p>
      </form>
    </main>
  );
}

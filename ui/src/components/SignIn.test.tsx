// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { ApiError } from "../api/problem";
import { SignIn } from "./SignIn";

afterEach(cleanup);

describe("sign-in", () => {
  it("focuses the token, sends it, and says a refusal in words with the field focused again", async () => {
    const sent: string[] = [];
    render(
      <SignIn
        onSignIn={(token) => {
          sent.push(token);
          return Promise.reject(new ApiError(401, "Unauthorized: token not accepted"));
        }}
      />,
    );
    const field = screen.getByLabelText<HTMLInputElement>("API token");
    expect(document.activeElement).toBe(field);
    fireEvent.change(field, { target: { value: "wrong-token-0123456789" } });
    fireEvent.submit(field.form as HTMLFormElement);
    await waitFor(() => expect(screen.getByRole("alert").textContent).toBe("Unauthorized: token not accepted"));
    expect(sent).toEqual(["wrong-token-0123456789"]);
    expect(screen.getByRole("alert").className).toBe("error");
    expect(document.activeElement).toBe(field);
  });

  it("shows why it is asked again, and clears the token once accepted", async () => {
    render(<SignIn message="You are signed out." onSignIn={() => Promise.resolve()} />);
    expect(screen.getByRole("alert").textContent).toBe("You are signed out.");
    const field = screen.getByLabelText<HTMLInputElement>("API token");
    fireEvent.change(field, { target: { value: "good-token-0123456789" } });
    fireEvent.submit(field.form as HTMLFormElement);
    await waitFor(() => expect(field.value).toBe(""));
  });
});

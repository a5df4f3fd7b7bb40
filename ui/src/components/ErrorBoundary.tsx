import { Component, type ReactNode } from "react";
import { ErrorNotice } from "./ErrorNotice";

/** A page that fails to render says why, in words, and the rest of the app goes on. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error: unknown }> {
  state = { error: null as unknown };

  static getDerivedStateFromError(error: unknown) {
    return { error };
  }

  render() {
    return this.state.error ? <ErrorNotice error={this.state.error} /> : this.props.children;
  }
}

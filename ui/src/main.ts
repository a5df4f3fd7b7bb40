// The app shell: sign-in, navigation, and a router over the History API (client routes fall back
// to index.html on the server, so every address can be shared and reloaded).
import "./style.css";
import { ApiError, session, whenSignedOut } from "./api";
import { errorBox, h, replace } from "./dom";
import { parseRoute } from "./logic";
import { libraryPage } from "./pages/library";
import { searchPage } from "./pages/search";
import { videoPage } from "./pages/video";
import { workPage } from "./pages/work";

export interface PageContext {
  main: HTMLElement;
  params: URLSearchParams;
  /** Go to an address inside the app (pushes history unless `replace`). */
  navigate: (href: string, replace?: boolean) => void;
  /** Registers a clean-up that runs when the page is left (timers, listeners). */
  onLeave: (cleanup: () => void) => void;
}

const app = document.getElementById("app") as HTMLElement;
let cleanups: (() => void)[] = [];

function leave(): void {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
}

function navigate(href: string, replaceState = false): void {
  if (replaceState) history.replaceState(null, "", href);
  else history.pushState(null, "", href);
  void render().then(() => {
    // The link that was followed is gone: keyboard focus starts again at the new page's content.
    if (document.activeElement === document.body || document.activeElement === null) {
      document.getElementById("main")?.focus({ preventScroll: true });
    }
  });
}

function navLink(href: string, text: string, current: boolean): HTMLElement {
  return h("a", { href, "aria-current": current ? "page" : null }, text);
}

function shell(page: string): HTMLElement {
  const main = h("main", { id: "main", tabindex: "-1" });
  const signOut = h("button", { type: "button", class: "quiet" }, "Sign out");
  signOut.addEventListener("click", async () => {
    await session.signOut().catch(() => undefined);
    showSignIn("You are signed out.");
  });
  const header = h(
    "header",
    { class: "top" },
    h("a", { href: "/", class: "brand" }, "Framewise"),
    h(
      "nav",
      { "aria-label": "Main" },
      navLink("/", "Library", page === "library" || page === "video"),
      navLink("/search", "Search", page === "search"),
      navLink("/work", "Work", page === "work"),
    ),
    signOut,
  );
  replace(app, header, main);
  return main;
}

async function render(): Promise<void> {
  leave();
  const route = parseRoute(location.pathname, location.search);
  const main = shell(route.page);
  const context: PageContext = {
    main,
    params: route.page === "missing" ? new URLSearchParams() : route.params,
    navigate,
    onLeave: (cleanup) => cleanups.push(cleanup),
  };
  try {
    switch (route.page) {
      case "library":
        await libraryPage(context);
        break;
      case "video":
        await videoPage(context, route.id);
        break;
      case "search":
        await searchPage(context);
        break;
      case "work":
        await workPage(context);
        break;
      default:
        document.title = "Not found · Framewise";
        replace(main, h("h1", {}, "Not found"), errorBox(`There is no page at ${route.path}.`));
    }
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return; // the sign-in form is showing
    const message = error instanceof Error ? error.message : String(error);
    main.append(errorBox(message));
  }
}

function showSignIn(message = ""): void {
  leave();
  document.title = "Sign in · Framewise";
  const input = h("input", {
    id: "token",
    name: "token",
    type: "password",
    autocomplete: "current-password",
    required: true,
    "aria-describedby": "token-help",
  });
  const status = h("p", { id: "signin-status", role: "alert", class: message ? "notice" : "" }, message);
  const form = h(
    "form",
    { class: "signin", "aria-labelledby": "signin-title" },
    h("h1", { id: "signin-title" }, "Sign in to Framewise"),
    h("label", { for: "token" }, "API token"),
    input,
    h(
      "p",
      { id: "token-help", class: "help" },
      "One of the tokens in API_TOKENS (make run keeps one in .data/api-token). It is sent once; " +
        "the browser then holds an HttpOnly session cookie.",
    ),
    h("button", { type: "submit" }, "Sign in"),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.className = "";
    status.textContent = "Signing in…";
    try {
      await session.signIn(input.value);
      input.value = "";
      await render();
    } catch (error) {
      status.className = "error";
      status.textContent = error instanceof Error ? error.message : String(error);
      input.focus();
    }
  });
  replace(app, h("main", { id: "main", tabindex: "-1", class: "centred" }, form));
  input.focus();
}

whenSignedOut((message) => showSignIn(`Please sign in again (${message}).`));

document.addEventListener("click", (event) => {
  // Links inside the app change the route without reloading the page.
  const link = (event.target as Element | null)?.closest?.("a");
  if (!link || event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || link.target) return;
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith("/api/") || link.hasAttribute("download")) return;
  if (url.hash && url.pathname === location.pathname && url.search === location.search) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
});
window.addEventListener("popstate", () => void render());

session
  .current()
  .then(() => render())
  .catch((error: unknown) => {
    if (error instanceof ApiError && error.status === 401) showSignIn();
    else replace(app, h("main", { id: "main" }, errorBox(error instanceof Error ? error.message : String(error))));
  });

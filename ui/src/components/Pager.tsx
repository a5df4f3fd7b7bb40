import { Link } from "react-router";
import { pageInfo } from "../lib/paging";
import { withOffset } from "../lib/urls";

interface Props {
  path: string;
  params: URLSearchParams;
  total: number;
  limit: number;
  offset: number;
  shown: number;
}

/** Previous / next page links that keep the other parameters of the address. */
export function Pager({ path, params, total, limit, offset, shown }: Props) {
  const info = pageInfo(total, limit, offset, shown);
  const link = (to: number | null, text: string, rel: string) =>
    to === null ? (
      <span className="disabled" aria-disabled="true">
        {text}
      </span>
    ) : (
      <Link to={withOffset(path, params, to)} rel={rel}>
        {text}
      </Link>
    );
  return (
    <nav className="pager" aria-label="Pages">
      {link(info.previousOffset, "← Previous page", "prev")}
      <span aria-live="polite">{info.text}</span>
      {link(info.nextOffset, "Next page →", "next")}
    </nav>
  );
}

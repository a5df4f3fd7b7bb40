import { useLocation } from "react-router";
import { useTitle } from "../hooks/useTitle";
import { ErrorNotice } from "./ErrorNotice";

export function NotFound() {
  const { pathname } = useLocation();
  useTitle("Not found");
  return (
    <>
      <h1>Not found</h1>
      <ErrorNotice error={`There is no page at ${pathname}.`} />
    </>
  );
}

import { Link } from "react-router";
import type { Person } from "../../api/types";
import { countsText, displayName, personHref, videoOfStill } from "../../lib/people";
import { FaceCrop } from "./FaceCrop";
import { NameInPlace } from "./NameInPlace";

interface Props {
  person: Person;
  selected: boolean;
  onSelect: (id: string, selected: boolean) => void;
}

/** One person of the grid: their face (a link to their page), their name in place, how often they appear,
 * and a box to select them for a merge. */
export function PersonCard({ person, selected, onSelect }: Props) {
  const name = displayName(person.name);
  return (
    <li className={`person${selected ? " selected" : ""}`}>
      <Link to={personHref(person.id)} className="face-link" aria-label={`${name}: appearances`}>
        <FaceCrop
          src={person.thumbnail_url}
          box={person.thumbnail_box}
          videoId={videoOfStill(person.thumbnail_url)}
          size={128}
        />
      </Link>
      <NameInPlace personId={person.id} name={person.name} />
      <p className="meta">{countsText(person.faces, person.videos)}</p>
      <label className="check">
        <input type="checkbox" checked={selected} onChange={(e) => onSelect(person.id, e.currentTarget.checked)} />
        Select<span className="sr-only"> {name}</span>
      </label>
    </li>
  );
}

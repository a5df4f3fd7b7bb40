import { useMemo } from "react";
import { useLaneMoments } from "../api/queries";
import type { Artifact, Hit } from "../api/types";
import { PEOPLE_LANE } from "../lib/analyses";
import { boxOf } from "../lib/boxes";
import { type FaceAt, faceNames } from "../lib/people";

const NONE: readonly Hit[] = [];

/** The names of the face boxes among `items` (by artifact id), from the video's person moments (the
 * people lane's, asked for once for both). */
export function useFaceNames(videoId: string, items: readonly Artifact[]): ReadonlyMap<string, string> {
  const people = useLaneMoments(videoId, PEOPLE_LANE.moment).data?.items ?? NONE;
  return useMemo(() => {
    const faces: FaceAt[] = [];
    for (const item of items) {
      const box = item.artifact_type === "face" ? boxOf(item.payload) : null;
      if (box) faces.push({ id: item.id, at_ms: item.span_start_ms, box });
    }
    return faceNames(faces, people);
  }, [items, people]);
}

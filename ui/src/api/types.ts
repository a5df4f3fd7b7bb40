// The API's types, taken from the generated schema (schema.d.ts, `make ui-types`) by operation, so a
// renamed component in the API's document changes nothing here and a changed shape fails the type-check.
import type { paths } from "./schema";

type Ok<R> = R extends { 200: { content: { "application/json": infer T } } }
  ? T
  : R extends { 201: { content: { "application/json": infer T } } }
    ? T
    : never;

/** The JSON body of a 200 (or 201) answer of `method path`. */
export type Answer<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { responses: infer R }
  ? Ok<R>
  : never;

/** The query parameters of `method path`. */
export type Query<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  parameters: { query?: infer Q };
}
  ? NonNullable<Q>
  : never;

export type Video = Answer<"/api/v1/videos/{video_id}", "get">;
export type VideoStatus = Video["status"];
export type VideoPage = Answer<"/api/v1/videos", "get">;
export type Task = Answer<"/api/v1/tasks/{task_id}", "get">;
export type TaskStatus = Task["status"];
export type TaskType = Task["task_type"];
export type TaskPage = Answer<"/api/v1/tasks", "get">;
export type Hit = Answer<"/api/v1/search", "get">["items"][number];
export type MomentType = Hit["type"];
export type HitPage = Answer<"/api/v1/search", "get">;
export type Jump = Answer<"/api/v1/search/next", "get">;
export type Artifact = Answer<"/api/v1/artifacts", "get">["items"][number];
export type ArtifactType = Artifact["artifact_type"];
export type Label = Answer<"/api/v1/labels", "get">["items"][number];
export type SpokenLanguage = Answer<"/api/v1/search/languages", "get">["items"][number];
export type System = Answer<"/api/v1/system", "get">;
export type Discovery = Answer<"/api/v1/paths/discover", "post">;
export type Bulk = Answer<"/api/v1/tasks/retry", "post">;
export type SessionInfo = Answer<"/api/v1/session", "get">;
export type Person = Answer<"/api/v1/persons/{person_id}", "get">;
export type PersonPage = Answer<"/api/v1/persons", "get">;
export type Appearance = Answer<"/api/v1/persons/{person_id}/appearances", "get">["items"][number];
export type AppearancePage = Answer<"/api/v1/persons/{person_id}/appearances", "get">;
export type RegroupStatus = Answer<"/api/v1/persons/regroup", "get">;
export type SearchQuery = Query<"/api/v1/search", "get">;
export type VideoSort = NonNullable<Query<"/api/v1/videos", "get">["sort"]>;
export type Speaker = Answer<"/api/v1/speakers/{speaker_id}", "get">;
export type SpeakerPage = Answer<"/api/v1/speakers", "get">;
export type SpeakerTurn = Answer<"/api/v1/speakers/{speaker_id}/appearances", "get">["items"][number];

// The six analyses, in the order of the timeline's lanes, by the names the API gives their tasks and
// their moments (both types come from the generated schema: a new analysis fails the type-check here).
import type { MomentType, TaskStatus, TaskType } from "../api/types";

export interface Analysis {
  task: TaskType;
  moment: MomentType;
  name: string;
}

export const ANALYSES: readonly Analysis[] = [
  { task: "scene_detection", moment: "scene", name: "Scenes" },
  { task: "transcription", moment: "transcript", name: "Transcript" },
  { task: "ocr", moment: "ocr", name: "On-screen text" },
  { task: "object_detection", moment: "object", name: "Objects" },
  { task: "face_detection", moment: "face", name: "Faces" },
  { task: "place_detection", moment: "place", name: "Places" },
];

/** What a lane of the timeline shows: the moments of one type, under a name. */
export type LaneKind = Pick<Analysis, "moment" | "name">;

/** Named people's faces (person moments): a lane after the six analyses'. */
export const PEOPLE_LANE: LaneKind = { moment: "person", name: "People" };

/** The timeline's lanes, in order: one per analysis, then the people. */
export const LANES: readonly LaneKind[] = [...ANALYSES, PEOPLE_LANE];

/** Named speakers' turns (speaker moments): searchable by the name, with no lane of their own. */
export const SPEAKERS_KIND: LaneKind = { moment: "speaker", name: "Speakers" };

/** The kinds of moment a search can be narrowed to: the lanes', then named speakers'. */
export const SEARCH_KINDS: readonly LaneKind[] = [...LANES, SPEAKERS_KIND];

/** What a kind of moment is called: "Objects", "People", "Speakers" (a named speaker's turn, which has
 * no lane of its own: the speakers' lane comes from the transcript), the raw type for one the UI does not know. */
export function momentName(moment: string): string {
  return SEARCH_KINDS.find((kind) => kind.moment === moment)?.name ?? moment;
}

// Every value of the schema's unions, checked both ways by the compiler: a status or an analysis the
// API adds is a type error until it is listed.
const EVERY_STATUS = { PENDING: 0, RUNNING: 1, COMPLETED: 2, FAILED: 3, CANCELLED: 4 } satisfies Record<
  TaskStatus,
  number
>;
export const STATUSES = Object.keys(EVERY_STATUS) as TaskStatus[];
const EVERY_TASK = {
  scene_detection: 0,
  transcription: 0,
  ocr: 0,
  object_detection: 0,
  face_detection: 0,
  place_detection: 0,
} satisfies Record<TaskType, number>;
export const TASK_TYPES = Object.keys(EVERY_TASK) as TaskType[];

export function analysisOfTask(task: string): Analysis | undefined {
  return ANALYSES.find((a) => a.task === task);
}

export function analysisOfMoment(moment: string): Analysis | undefined {
  return ANALYSES.find((a) => a.moment === moment);
}

export function isMomentType(value: string): value is MomentType {
  return SEARCH_KINDS.some((kind) => kind.moment === value);
}

export function isTaskType(value: string): value is TaskType {
  return analysisOfTask(value) !== undefined;
}

export function isTaskStatus(value: string): value is TaskStatus {
  return (STATUSES as string[]).includes(value);
}

/** What a task of this type is called: "Transcript" (the raw name for one the UI does not know). */
export function taskName(taskType: string): string {
  return analysisOfTask(taskType)?.name ?? taskType;
}

// The hooks of the People pages and the player's names: reads and writes of persons, kept out of the
// first load (only the pages that show people import them; their first reads are in queries.ts, which
// the app's prefetch shares).
import { keepPreviousData, type QueryClient, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { PeopleState } from "../lib/urls";
import { call, client } from "./client";
import { personQuery, personsQuery } from "./queries";

export const APPEARANCES_LIMIT = 50;

export function usePersons(state: PeopleState) {
  // Typing in the filter keeps the grid until the next answer.
  return useQuery({ ...personsQuery(state), placeholderData: keepPreviousData });
}

export function usePerson(personId: string) {
  return useQuery(personQuery(personId));
}

export function useAppearances(personId: string, offset: number) {
  const query = { limit: APPEARANCES_LIMIT, offset };
  return useQuery({
    queryKey: ["persons", "appearances", personId, query],
    queryFn: ({ signal }) =>
      call(
        client.GET("/api/v1/persons/{person_id}/appearances", {
          params: { path: { person_id: personId }, query },
          signal,
        }),
      ),
  });
}

/** After a change to persons: every listing of them, and what names show elsewhere (the people lane,
 * search's labels), are read again. */
function invalidatePersons(queryClient: QueryClient): Promise<void> {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: ["persons"] }),
    queryClient.invalidateQueries({ queryKey: ["moments"] }),
    queryClient.invalidateQueries({ queryKey: ["labels"] }),
  ]).then(() => undefined);
}

export function useRenamePerson() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ personId, name }: { personId: string; name: string | null }) =>
      call(client.PUT("/api/v1/persons/{person_id}", { params: { path: { person_id: personId } }, body: { name } })),
    onSuccess: (person) => {
      queryClient.setQueryData(["persons", "one", person.id], person);
      return invalidatePersons(queryClient);
    },
  });
}

export function useMergePersons() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ into, others }: { into: string; others: string[] }) =>
      call(
        client.POST("/api/v1/persons/{person_id}/merge", {
          params: { path: { person_id: into } },
          body: { person_ids: others },
        }),
      ),
    onSettled: () => invalidatePersons(queryClient),
  });
}

export function useForgetPerson() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (personId: string) =>
      call(client.DELETE("/api/v1/persons/{person_id}", { params: { path: { person_id: personId } } })),
    onSuccess: (_, personId) => {
      queryClient.removeQueries({ queryKey: ["persons", "one", personId] });
      return invalidatePersons(queryClient);
    },
  });
}

export function useRemoveFace() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ personId, faceId }: { personId: string; faceId: string }) =>
      call(
        client.POST("/api/v1/persons/{person_id}/faces/{face_id}/remove", {
          params: { path: { person_id: personId, face_id: faceId } },
        }),
      ),
    onSettled: () => invalidatePersons(queryClient),
  });
}

const REGROUP = ["persons", "regroup"] as const;
export const REGROUP_POLL_MS = 1000;

/** Where the library's re-grouping stands; asked again every second while one waits or runs. */
export function useRegroupStatus() {
  return useQuery({
    queryKey: REGROUP,
    queryFn: ({ signal }) => call(client.GET("/api/v1/persons/regroup", { signal })),
    refetchInterval: (query) => (query.state.data && query.state.data.state !== "idle" ? REGROUP_POLL_MS : false),
  });
}

/** Asks for a re-grouping (a CPU worker runs it); its status follows in `useRegroupStatus`. */
export function useRegroup() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => call(client.POST("/api/v1/persons/regroup")),
    onSuccess: (status) => queryClient.setQueryData(REGROUP, status),
  });
}

/** Once a re-grouping ends: the persons, their moments and the labels are read again. */
export function useRegrouped() {
  const queryClient = useQueryClient();
  return () => invalidatePersons(queryClient);
}

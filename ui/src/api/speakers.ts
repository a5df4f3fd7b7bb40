// The hooks of the Speakers pages and of the names said in the player: reads and writes of speakers, kept
// out of the first load (their first reads are in queries.ts, which the app's prefetch shares).
import { keepPreviousData, type QueryClient, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { PeopleState } from "../lib/urls";
import { call, client } from "./client";
import { speakerQuery, speakersQuery } from "./queries";

export const TURNS_LIMIT = 50;

export function useSpeakers(state: PeopleState) {
  // Typing in the filter keeps the list until the next answer.
  return useQuery({ ...speakersQuery(state), placeholderData: keepPreviousData });
}

export function useSpeaker(speakerId: string, enabled = true) {
  return useQuery({ ...speakerQuery(speakerId), enabled });
}

export function useSpeakerTurns(speakerId: string, offset: number) {
  const query = { limit: TURNS_LIMIT, offset };
  return useQuery({
    queryKey: ["speakers", "appearances", speakerId, query],
    queryFn: ({ signal }) =>
      call(
        client.GET("/api/v1/speakers/{speaker_id}/appearances", {
          params: { path: { speaker_id: speakerId }, query },
          signal,
        }),
      ),
  });
}

/** After a change to speakers: every listing of them, and what says who speaks elsewhere (the transcript
 * and its lanes, search's hits), are read again. */
function invalidateSpeakers(queryClient: QueryClient): Promise<void> {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: ["speakers"] }),
    queryClient.invalidateQueries({ queryKey: ["moments"] }),
    queryClient.invalidateQueries({ queryKey: ["search"] }),
    queryClient.invalidateQueries({ queryKey: ["labels"] }),
  ]).then(() => undefined);
}

export function useRenameSpeaker() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, name }: { id: string; name: string | null }) =>
      call(client.PUT("/api/v1/speakers/{speaker_id}", { params: { path: { speaker_id: id } }, body: { name } })),
    onSuccess: (speaker) => {
      queryClient.setQueryData(["speakers", "one", speaker.id], speaker);
      return invalidateSpeakers(queryClient);
    },
  });
}

export function useMergeSpeakers() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ into, others }: { into: string; others: string[] }) =>
      call(
        client.POST("/api/v1/speakers/{speaker_id}/merge", {
          params: { path: { speaker_id: into } },
          body: { speaker_ids: others },
        }),
      ),
    onSettled: () => invalidateSpeakers(queryClient),
  });
}

/** The speaker is this person (the suggestion's): linked, and named after them when unnamed. */
export function useAcceptPerson() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ speakerId, personId }: { speakerId: string; personId: string }) =>
      call(
        client.POST("/api/v1/speakers/{speaker_id}/accept", {
          params: { path: { speaker_id: speakerId } },
          body: { person_id: personId },
        }),
      ),
    onSuccess: (speaker) => {
      queryClient.setQueryData(["speakers", "one", speaker.id], speaker);
      return invalidateSpeakers(queryClient);
    },
  });
}

import { useRenameSpeaker } from "../../api/speakers";
import { type SpeakerRef, speakerName } from "../../lib/speakers";
import { NameEditor, type Renaming } from "../people/NameInPlace";

/** A speaker's name, named in place: "Speaker 3" until someone names them (see NameEditor). */
export function SpeakerName({ speaker, className }: { speaker: SpeakerRef; className?: string }) {
  const mutation = useRenameSpeaker();
  const rename: Renaming = {
    save: (name, done) => mutation.mutate({ id: speaker.id, name }, { onSuccess: done }),
    isPending: mutation.isPending,
    isError: mutation.isError,
    error: mutation.error,
    reset: mutation.reset,
  };
  return <NameEditor name={speaker.name} shown={speakerName(speaker)} rename={rename} className={className} />;
}

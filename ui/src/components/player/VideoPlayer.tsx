import { type ReactNode, type Ref, useRef, useState } from "react";
import { captionsUrl, streamUrl } from "../../api/client";
import type { Video } from "../../api/types";
import type { PlayerClock } from "../../lib/clock";
import { playbackFailure } from "../../lib/moments";
import { ErrorNotice } from "../ErrorNotice";

interface Props {
  video: Video;
  name: string;
  clock: PlayerClock;
  /** Where to start (from the address): set once the metadata is in, and played from. */
  startMs: number | null;
  videoRef: Ref<HTMLVideoElement>;
  /** Drawn over the picture (the boxes). */
  children?: ReactNode;
}

/** The native player streaming the video with its transcript as captions; it drives the page's clock. */
export function VideoPlayer({ video, name, clock, startMs, videoRef, children }: Props) {
  const [failure, setFailure] = useState<string | null>(null);
  const start = useRef(startMs); // the address's time, once: later changes of `t` come from seeking here
  const tick = (el: HTMLVideoElement) => clock.set(el.currentTime * 1000);
  const aspect = video.width && video.height ? { aspectRatio: `${video.width} / ${video.height}` } : undefined;
  return (
    <>
      <div className="frame" style={aspect}>
        {video.status === "missing" ? (
          <p className="unplayable">This video is missing: none of its files is left, so it cannot be played.</p>
        ) : (
          <video
            id="player"
            ref={videoRef}
            controls
            preload="auto"
            src={streamUrl(video.id)}
            aria-label={`Video: ${name}`}
            onTimeUpdate={(e) => tick(e.currentTarget)}
            onSeeked={(e) => tick(e.currentTarget)}
            onLoadedMetadata={(e) => {
              const el = e.currentTarget;
              if (start.current !== null && start.current > 0) {
                el.currentTime = start.current / 1000;
                el.play().catch(() => undefined); // a browser may refuse to autoplay: the time is set anyway
              }
              tick(el);
            }}
            onError={(e) => setFailure(playbackFailure(e.currentTarget.error?.code))}
          >
            <track kind="captions" src={captionsUrl(video.id)} srcLang="en" label="Transcript" default />
          </video>
        )}
        {children}
        {/* Over the picture it replaces: below the player it would push the timeline down as it arrives. */}
        {failure && (
          <div className="frame-notice">
            <ErrorNotice error={failure} />
          </div>
        )}
      </div>
    </>
  );
}

import { useQuery } from "@tanstack/react-query";
import { videoQuery } from "../../api/queries";
import type { Box } from "../../lib/boxes";
import { faceCrop, type Frame } from "../../lib/people";

interface Props {
  /** A still of the whole frame (the API's signed link). */
  src: string | null;
  /** The face's box in that frame, in pixels of the video. */
  box: Box | null;
  /** The video the still is of: its size says how the box maps onto the still. */
  videoId: string | null;
  size: number;
}

/** A face cut out of its frame: the frame drawn so the face fills a square, the rest hidden. Until the
 * video's size is in (or without a box), the whole frame shows, cropped to the square. */
export function FaceCrop({ src, box, videoId, size }: Props) {
  const video = useQuery({ ...videoQuery(videoId ?? ""), enabled: videoId !== null && box !== null });
  const frame: Frame | null =
    video.data?.width && video.data.height ? { width: video.data.width, height: video.data.height } : null;
  const square = { width: size, height: size };
  if (!src) return <span className="face none" style={square} aria-hidden="true" />;
  if (!box || !frame) {
    return (
      <span className="face" style={square}>
        <img src={src} alt="" width={size} height={size} loading="lazy" className="whole" />
      </span>
    );
  }
  const crop = faceCrop(box, frame, size);
  return (
    <span className="face" style={square}>
      <img
        src={src}
        alt=""
        loading="lazy"
        width={Math.round(crop.width)}
        height={Math.round(crop.height)}
        style={{ width: crop.width, height: crop.height, left: crop.left, top: crop.top }}
      />
    </span>
  );
}

"""Faces as people: the face tracks of a video, and which person a face joins.

A face detection answers per sampled frame, with a descriptor (128 numbers; faces of one person lie
close). A **track** follows one face over consecutive samples: a detection continues the track of
the previous sample whose box it overlaps most (and that still looks like it), or, when it moved
far between samples, the one it looks most like. A track ends where the next sample, which did not
show it, is due, as a moment does. Its descriptor is the mean of its best reads (most confident,
then largest), so one blurred frame does not decide who it is.

A **person** is a group of tracks across the library. A new track joins the person most of its
nearest faces (within `MATCH_DISTANCE`) belong to, among the persons it may join (people said
"not this person" of a face like it); otherwise it starts a new person.
"""

import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from uuid import UUID

from pydantic import JsonValue

from framewise.domain.errors import DomainError, PersonChangeRefused
from framewise.domain.payloads import DESCRIPTOR_SIZE

# Euclidean. dlib calls two faces one person below 0.6; on real photographs here one person measured
# 0.44 to 0.45 across photographs and encodings, two people 0.79 and more.
MATCH_DISTANCE = 0.55  # the same person within this
SAME_TRACK_DISTANCE = 0.6  # a detection that overlaps a track but looks farther than this is someone else
TRACK_OVERLAP = 0.3  # intersection over union of boxes on consecutive samples: the same face
BEST_READS = 3  # reads averaged into a track's descriptor
NEIGHBOURS = 5  # nearest faces that vote on a new face's person
REJECTED_DISTANCE = 0.4  # a face this close to one people removed from a person never joins it
NAME_LENGTH = 200

Box = tuple[float, float, float, float]
Vector = tuple[float, ...]


@dataclass(frozen=True)
class FaceTrack:
    """One face followed over consecutive samples of one video."""

    start_ms: int
    end_ms: int  # exclusive: when the next sample, which did not show it, was due
    best_ms: int  # the time of its best read (the frame its thumbnail shows)
    box: Box  # where it was at that read, in pixels
    confidence: float
    descriptor: Vector
    count: int  # reads


def distance(a: Sequence[float], b: Sequence[float]) -> float:
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b, strict=True)))


def overlap(a: Box, b: Box) -> float:
    """Intersection over union of two boxes (0 when they do not touch)."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def mean(vectors: Iterable[Sequence[float]]) -> Vector:
    rows = list(vectors)
    return tuple(sum(column) / len(rows) for column in zip(*rows, strict=True))


@dataclass(frozen=True)
class _Read:
    at_ms: int
    box: Box
    confidence: float
    descriptor: Vector

    @property
    def quality(self) -> tuple[float, float]:
        return self.confidence, (self.box[2] - self.box[0]) * (self.box[3] - self.box[1])


@dataclass
class _Open:
    reads: list[_Read] = field(default_factory=list)

    @property
    def last(self) -> _Read:
        return self.reads[-1]

    def close(self, interval_ms: int) -> FaceTrack:
        best = sorted(self.reads, key=lambda r: r.quality, reverse=True)
        return FaceTrack(
            start_ms=self.reads[0].at_ms,
            end_ms=(self.last.at_ms // interval_ms + 1) * interval_ms,
            best_ms=best[0].at_ms,
            box=best[0].box,
            confidence=best[0].confidence,
            descriptor=mean(r.descriptor for r in best[:BEST_READS]),
            count=len(self.reads),
        )


def _read(payload: Mapping[str, JsonValue]) -> _Read | None:
    """A stored face detection as a read; None without a descriptor (recognition was off)."""
    descriptor, box = payload.get("descriptor"), payload.get("bbox")
    if not isinstance(descriptor, list) or len(descriptor) != DESCRIPTOR_SIZE or not isinstance(box, dict):
        return None
    corners = tuple(float(box[k]) for k in ("x1", "y1", "x2", "y2"))  # type: ignore[arg-type]
    return _Read(
        at_ms=int(payload["timestamp_ms"]),  # type: ignore[arg-type]
        box=(corners[0], corners[1], corners[2], corners[3]),
        confidence=float(payload["confidence"]),  # type: ignore[arg-type]
        descriptor=tuple(float(x) for x in descriptor),  # type: ignore[arg-type]
    )


def _follow(open_: list[_Open], read: _Read, taken: set[int]) -> _Open | None:
    """The open track this read continues: most overlapping and alike, else most alike and near enough."""
    free = [(i, t) for i, t in enumerate(open_) if i not in taken and t.last.at_ms < read.at_ms]
    alike = [(i, t, distance(t.last.descriptor, read.descriptor)) for i, t in free]
    overlapping = [(overlap(t.last.box, read.box), i, t) for i, t, d in alike if d <= SAME_TRACK_DISTANCE]
    best = max(((o, i, t) for o, i, t in overlapping if o >= TRACK_OVERLAP), default=None, key=lambda x: x[0])
    if best is not None:
        taken.add(best[1])
        return best[2]
    nearest = min(((d, i, t) for i, t, d in alike if d <= MATCH_DISTANCE), default=None, key=lambda x: x[0])
    if nearest is not None:
        taken.add(nearest[1])
        return nearest[2]
    return None


def face_tracks(payloads: Iterable[Mapping[str, JsonValue]], *, interval_ms: int) -> list[FaceTrack]:
    """The tracks of one run's face detections (sorted by start), sampled every `interval_ms`."""
    by_time: dict[int, list[_Read]] = {}
    for payload in payloads:
        if (read := _read(payload)) is not None:
            by_time.setdefault(read.at_ms, []).append(read)
    open_: list[_Open] = []
    done: list[FaceTrack] = []
    for at in sorted(by_time):
        still = [t for t in open_ if at // interval_ms <= t.last.at_ms // interval_ms + 1]
        done += [t.close(interval_ms) for t in open_ if t not in still]
        open_, taken = still, set[int]()
        for read in sorted(by_time[at], key=lambda r: r.quality, reverse=True):
            track = _follow(open_, read, taken)
            if track is None:
                open_.append(track := _Open())
                taken.add(len(open_) - 1)
            track.reads.append(read)
    done += [t.close(interval_ms) for t in open_]
    return sorted(done, key=lambda t: (t.start_ms, t.box))


@dataclass(frozen=True)
class Neighbour:
    """A face already grouped, near the new one."""

    person_id: UUID
    distance: float


def nearest_vote(neighbours: Iterable[tuple[UUID, float]], within: float, refused: set[UUID]) -> UUID | None:
    """The group most of the NEIGHBOURS nearest (group, distance) pairs within `within` belong to
    (ties: the nearer), never one in `refused`; None when none is near enough. Faces and voices alike."""
    votes: dict[UUID, list[float]] = {}
    for group, d in sorted(neighbours, key=lambda n: (n[1], str(n[0])))[:NEIGHBOURS]:  # a total order
        if d <= within and group not in refused:
            votes.setdefault(group, []).append(d)
    if not votes:
        return None
    return min(votes, key=lambda g: (-len(votes[g]), min(votes[g]), str(g)))


def choose_person(neighbours: Iterable[Neighbour], refused: set[UUID]) -> UUID | None:
    """The person a new face joins: the one most of its nearest faces within MATCH_DISTANCE belong
    to (ties: the nearer), never one in `refused`; None starts a new person."""
    return nearest_vote(((n.person_id, n.distance) for n in neighbours), MATCH_DISTANCE, refused)


def clean_name(name: str | None, refused: type[DomainError]) -> str | None:
    """A name as kept (a person's, a speaker's): trimmed, 1 to NAME_LENGTH characters, no control
    characters; None (or only spaces) takes the name away. `refused` says what is wrong."""
    if name is None or not name.strip():
        return None
    cleaned = " ".join(name.split())
    if len(cleaned) > NAME_LENGTH:
        raise refused(f"a name has at most {NAME_LENGTH} characters; this one has {len(cleaned)}")
    if any(unicodedata.category(c) == "Cc" for c in cleaned):
        raise refused("a name cannot hold control characters")
    return cleaned


def person_name(name: str | None) -> str | None:
    """A person's name as kept (`clean_name`); `PersonChangeRefused` says what is wrong."""
    return clean_name(name, PersonChangeRefused)

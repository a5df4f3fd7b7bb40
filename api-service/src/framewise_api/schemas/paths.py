from typing import Annotated, Self
from uuid import UUID

from pydantic import BaseModel, Field

from framewise.application.results import DiscoveryReport


class PathsOut(BaseModel):
    roots: list[str] = Field(examples=[["/srv/media", "/mnt/archive"]])
    upload_dir: str = Field(examples=["/srv/media/uploads"])
    watch: str  # how the watcher follows the roots now: native, poll or off
    watcher_changes: int  # relevant changes (a video file, a new folder) the watcher has seen since start
    discovery_interval_s: float
    settle_s: float


class ScanIn(BaseModel):
    path: Annotated[
        str,
        Field(min_length=1, max_length=4096, description="a folder inside a media root", examples=["lectures/2024"]),
    ]


class DiscoveryOut(BaseModel):
    scanned: int
    new: list[UUID]
    changed: list[UUID]
    unchanged: int
    settling: list[str]
    invalid: dict[str, str]
    moved: list[str]  # known content at a new path, its old files gone: kept its results
    copies: list[str]  # known content at one more path: shares its results
    missing: list[str]  # files gone since the last scan
    returned: list[str]  # files there again
    tasks_created: int
    jobs_enqueued: int

    @classmethod
    def of(cls, r: DiscoveryReport) -> Self:
        return cls(
            scanned=r.scanned,
            new=list(r.new),
            changed=list(r.changed),
            unchanged=r.unchanged,
            settling=list(r.settling),
            invalid=r.invalid,
            moved=list(r.moved),
            copies=list(r.copies),
            missing=list(r.missing),
            returned=list(r.returned),
            tasks_created=r.tasks_created,
            jobs_enqueued=r.jobs_enqueued,
        )

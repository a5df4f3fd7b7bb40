"""What the domain's errors say: their messages are what the API's problem details and a failed
task's error show, and their fields are what the adapters map."""

from uuid import UUID

import pytest

from framewise.domain.errors import (
    IllegalTransition,
    InvalidPath,
    NotFound,
    PathOutsideRoots,
    SessionNotFound,
    StaleAttempt,
    TaskNotFound,
    UploadStalled,
    UploadTooLarge,
    VideoNotFound,
)

pytestmark = pytest.mark.unit
ID = UUID(int=7)


# The errors are made inside the test (not when the module is collected), so that mutation testing
# sees which test exercises which constructor.
MESSAGES = {
    "task not found": (lambda: TaskNotFound(ID), f"task {ID} not found"),
    "video not found": (lambda: VideoNotFound(ID), f"video {ID} not found"),
    "session not found": (lambda: SessionNotFound(ID), f"session {ID} not found"),
    "illegal transition": (lambda: IllegalTransition(ID, "RUNNING", "retry"), f"task {ID} is RUNNING: cannot retry"),
    "stale attempt": (lambda: StaleAttempt(ID, 1, 2), f"task {ID}: attempt 1 is stale (current attempt 2)"),
    "outside the roots": (lambda: PathOutsideRoots("/etc"), "path '/etc' is outside the configured media roots"),
    "invalid path": (lambda: InvalidPath("a" * 300, "too long"), f"path {'a' * 200!r} cannot be resolved: too long"),
    "upload too large": (lambda: UploadTooLarge(1024), "the upload is larger than the limit of 1024 bytes"),
    "upload stalled": (
        lambda: UploadStalled(30.0),
        "no byte of the upload arrived for 30 s: it was dropped; send it again",
    ),
}


@pytest.mark.parametrize("case", sorted(MESSAGES))
def test_each_error_says_what_happened(case: str) -> None:
    make, message = MESSAGES[case]
    assert str(make()) == message


def test_not_found_errors_keep_their_kind_and_id_and_the_others_their_fields() -> None:
    assert [(e.kind, e.ident) for e in (TaskNotFound(ID), VideoNotFound(ID), SessionNotFound(ID))] == [
        ("task", ID),
        ("video", ID),
        ("session", ID),
    ]
    assert all(isinstance(e, NotFound) for e in (TaskNotFound(ID), VideoNotFound(ID), SessionNotFound(ID)))
    assert (PathOutsideRoots("/etc").path, InvalidPath("/x", "loop").reason, UploadTooLarge(5).limit) == (
        "/etc",
        "loop",
        5,
    )

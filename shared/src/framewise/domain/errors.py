"""Errors the domain and the use cases raise; adapters map them to HTTP statuses or job outcomes."""


class DomainError(Exception):
    """Base class of every business-rule violation."""


class IllegalTransition(DomainError):
    """A task was asked to move to a status its state machine does not allow from where it is."""

    def __init__(self, task_id: object, current: str, action: str) -> None:
        super().__init__(f"task {task_id} is {current}: cannot {action}")
        self.task_id, self.current, self.action = task_id, current, action


class NotFound(DomainError):
    """An entity that was asked for by id does not exist."""

    def __init__(self, kind: str, ident: object) -> None:
        super().__init__(f"{kind} {ident} not found")
        self.kind, self.ident = kind, ident


class TaskNotFound(NotFound):
    def __init__(self, ident: object) -> None:
        super().__init__("task", ident)


class VideoNotFound(NotFound):
    def __init__(self, ident: object) -> None:
        super().__init__("video", ident)


class PersonNotFound(NotFound):
    def __init__(self, ident: object) -> None:
        super().__init__("person", ident)


class FaceNotFound(NotFound):
    def __init__(self, ident: object, person: object) -> None:
        DomainError.__init__(self, f"face {ident} is not a face of person {person}")
        self.kind, self.ident = "face", ident


class PersonChangeRefused(DomainError):
    """A change to persons that cannot be made as asked (a bad name, a person merged into itself)."""


class SpeakerNotFound(NotFound):
    def __init__(self, ident: object) -> None:
        super().__init__("speaker", ident)


class SpeakerChangeRefused(DomainError):
    """A change to speakers that cannot be made as asked (a bad name, a speaker merged into itself)."""


class PathOutsideRoots(DomainError):
    """A path resolves (after symlinks) outside every configured media root."""

    def __init__(self, path: str) -> None:
        super().__init__(f"path {path!r} is outside the configured media roots")
        self.path = path


class InvalidPath(DomainError):
    """A path that cannot be resolved at all: too long, a NUL byte, a symlink loop."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"path {path[:200]!r} cannot be resolved: {reason}")
        self.reason = reason


class InvalidPayload(DomainError):
    """An analysis produced an item that does not validate against its payload schema."""


class StaleAttempt(DomainError):
    """A job for an attempt that is no longer the task's current one tried to write its result."""

    def __init__(self, task_id: object, attempt: int, current: int) -> None:
        super().__init__(f"task {task_id}: attempt {attempt} is stale (current attempt {current})")
        self.task_id, self.attempt, self.current = task_id, attempt, current


class UploadRejected(DomainError):
    """An upload that will not be stored; nothing of it is left behind."""


class UnsupportedUpload(UploadRejected):
    """The upload's name has no video extension."""


class InvalidUploadName(UploadRejected):
    """The upload's name is not a plain, visible file name: separators, traversal, control
    characters, hidden, or too long."""


class UploadTooLarge(UploadRejected):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the upload is larger than the limit of {limit} bytes")
        self.limit = limit


class UploadFolderUnusable(DomainError):
    """The upload folder (or its staging folder) is not a usable folder: a file, a dangling link."""


class UploadNotVideo(UploadRejected):
    """The uploaded bytes do not probe as a video."""


class VideoNotPlayable(DomainError):
    """The video is known but is not a readable video: nothing to stream, show or caption."""


class TimeOutOfRange(DomainError):
    """A time past the end of the video."""


class InvalidSearch(DomainError):
    """A search whose parts do not parse together: an unknown type, a bad `near`, an empty window."""


class InvalidSettings(DomainError):
    """Analysis settings that a model would refuse, or that name no analysis; `field` says where
    (`analyses.transcription.language`)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


class SettingsUncheckable(DomainError):
    """Settings cannot be checked now: the ML service (which knows what its models accept) cannot
    be reached, or the analysis's model is not loaded. Nothing was changed."""


class SessionNotFound(NotFound):
    """No open session of the caller's token has this id (never one of another token: 404 alike)."""

    def __init__(self, session_id: object) -> None:
        super().__init__("session", session_id)


class UnscopedBulkAction(DomainError):
    """An action on many tasks at once was given no filter at all: it would touch the whole library,
    which must be asked for in so many words (`all`)."""


class UploadStalled(UploadRejected):
    """No byte of the upload arrived for the idle limit: the partial file is removed (408)."""

    def __init__(self, idle_s: float) -> None:
        super().__init__(f"no byte of the upload arrived for {idle_s:g} s: it was dropped; send it again")

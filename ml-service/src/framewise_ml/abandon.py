"""Work nobody waits for stops: a request whose client went away (timeout, cancel, worker death)
sets its event, and the frame loops of every frame analysis check it between frames, so an
abandoned request frees its GPU slot within one batch instead of running to the end.

The event travels in a context variable: `asyncio.to_thread` copies the context into the thread
that runs the model, so the models need no extra argument. Whisper's transcription and
PySceneDetect's scan run inside their libraries and are not interrupted mid-call.
"""

import threading
from contextvars import ContextVar

ABANDONED: ContextVar[threading.Event | None] = ContextVar("abandoned", default=None)


class Abandoned(Exception):
    """The client went away: the work stopped, and nobody gets an answer."""


def check_abandoned() -> None:
    """Raise Abandoned when the request being served has been given up by its client."""
    event = ABANDONED.get()
    if event is not None and event.is_set():
        raise Abandoned

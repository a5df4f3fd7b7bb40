"""The media roots on the local file system."""

import asyncio
import os
from pathlib import Path

import structlog

from framewise.domain.errors import InvalidPath, NotFound, PathOutsideRoots
from framewise.domain.video import FileStat, is_video_name
from framewise.infrastructure.media.paths import confine

_log = structlog.get_logger("framewise.discovery")

class LocalMediaLibrary:
    """Walks a media root for files with a video extension; never follows a link out of the roots."""

    def __init__(self, roots: list[str]) -> None:
        self._roots = roots

    async def scan(self, root: str, under: str = "") -> list[FileStat]:
        return await asyncio.to_thread(self._scan, root, under)

    def is_file(self, root: str, path: str) -> bool:
        return Path(self.absolute(root, path)).is_file()

    def absolute(self, root: str, path: str) -> str:
        try:
            return str(confine(Path(root) / path, self._roots))
        except PathOutsideRoots:
            # A known file swapped for a link out of the roots: name it as the library knows it
            # (its path under its root), never the server path it was joined into or resolves to.
            raise PathOutsideRoots(path) from None
        except InvalidPath as exc:
            raise InvalidPath(path, exc.reason) from None

    def locate(self, folder: str) -> tuple[str, str]:
        real = confine(folder, self._roots)
        try:
            is_dir = real.is_dir()
        except OSError:
            is_dir = False
        if not is_dir:
            raise NotFound("folder", folder)
        root = max((r for r in self._roots if real == Path(r) or real.is_relative_to(r)), key=len)
        relative = real.relative_to(root).as_posix()
        return root, "" if relative == "." else relative

    def _scan(self, root: str, under: str = "") -> list[FileStat]:
        """Depth-first walk. Each real folder is entered once, so a link back up the tree (a loop) or
        to a folder already seen adds nothing; names that are not valid UTF-8 cannot be stored or
        shown, so they are logged and skipped. Unreadable folders and files are skipped too."""
        found: list[FileStat] = []
        stack = [str(Path(root) / under) if under else root]
        seen: set[tuple[int, int]] = set()
        while stack:
            folder = stack.pop()
            try:
                info = os.stat(folder)
                if (info.st_dev, info.st_ino) in seen:
                    continue
                seen.add((info.st_dev, info.st_ino))
                entries = list(os.scandir(folder))
            except OSError:
                continue  # unreadable folder: skip it, never stop the scan
            for entry in entries:
                try:
                    if not _is_utf8(entry.name):
                        _log.warning("discovery_skipped_name", folder=folder, name=ascii(entry.name), reason="not UTF-8")
                        continue
                    if entry.is_symlink() and not Path(entry.path).resolve().is_relative_to(root):
                        continue
                    if entry.is_dir():
                        if not entry.name.startswith("."):
                            stack.append(entry.path)
                    elif entry.is_file() and is_video_name(entry.name):
                        stat = entry.stat()
                        relative = Path(entry.path).relative_to(root).as_posix()
                        found.append(FileStat(root, relative, stat.st_size, stat.st_mtime))
                except (OSError, RuntimeError):  # RuntimeError: a symlink loop, on Python 3.11
                    continue
        found.sort(key=lambda f: f.path)
        return found


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # os.fsdecode kept undecodable bytes as lone surrogates
        return False
    return True

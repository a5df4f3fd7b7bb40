"""The media roots on the local file system."""

import asyncio
import os
from pathlib import Path

from framewise.domain.errors import NotFound
from framewise.domain.video import FileStat, is_video_name
from framewise.infrastructure.media.paths import confine

class LocalMediaLibrary:
    """Walks a media root for files with a video extension; never follows a link out of the roots."""

    def __init__(self, roots: list[str]) -> None:
        self._roots = roots

    async def scan(self, root: str, under: str = "") -> list[FileStat]:
        return await asyncio.to_thread(self._scan, root, under)

    def absolute(self, root: str, path: str) -> str:
        return str(confine(Path(root) / path, self._roots))

    def locate(self, folder: str) -> tuple[str, str]:
        real = confine(folder, self._roots)
        if not real.is_dir():
            raise NotFound("folder", folder)
        root = max((r for r in self._roots if real == Path(r) or real.is_relative_to(r)), key=len)
        relative = real.relative_to(root).as_posix()
        return root, "" if relative == "." else relative

    def _scan(self, root: str, under: str = "") -> list[FileStat]:
        found: list[FileStat] = []
        stack = [str(Path(root) / under) if under else root]
        while stack:
            folder = stack.pop()
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue  # unreadable folder: skip it, never stop the scan
            for entry in entries:
                try:
                    if entry.is_symlink() and not Path(entry.path).resolve().is_relative_to(root):
                        continue
                    if entry.is_dir():
                        if not entry.name.startswith("."):
                            stack.append(entry.path)
                    elif entry.is_file() and is_video_name(entry.name):
                        stat = entry.stat()
                        relative = Path(entry.path).relative_to(root).as_posix()
                        found.append(FileStat(root, relative, stat.st_size, stat.st_mtime))
                except OSError:
                    continue
        found.sort(key=lambda f: f.path)
        return found

"""Uploads on the local file system: staged in a hidden folder, published with a hard link."""

import asyncio
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

from framewise.domain.errors import PathOutsideRoots, UploadFolderUnusable, UploadTooLarge
from framewise.domain.video import FileStat
from framewise.infrastructure.media.paths import confine

INCOMING = ".incoming"  # hidden: discovery never looks inside


class LocalUploadStorage:
    """Stages under `<upload_dir>/.incoming/` and publishes into `upload_dir`, which must lie inside
    one of the media roots so the published file is a video discovery knows by (root, path)."""

    def __init__(self, upload_dir: str, roots: list[str]) -> None:
        folder = confine(upload_dir, roots)
        self._root = next(r for r in sorted(roots, key=len, reverse=True) if folder.is_relative_to(r))
        self.folder = self._folder = folder
        self._incoming = folder / INCOMING

    def _check(self) -> None:
        """The folders must still be the real folders checked at start: a symlink swapped in for
        either since then would carry the upload out of the roots."""
        try:
            self._incoming.mkdir(parents=True, exist_ok=True)
            usable = self._incoming.is_dir() and self._folder.is_dir()
        except OSError as exc:
            raise UploadFolderUnusable(f"the upload folder is not usable: {exc.strerror or type(exc).__name__}") from None
        if not usable:
            raise UploadFolderUnusable("the upload folder is not usable: not a folder")
        for folder in (self._folder, self._incoming):
            if folder.is_symlink() or Path(os.path.realpath(folder)) != folder:
                raise PathOutsideRoots(folder.name)

    async def stage(self, chunks: AsyncIterator[bytes], max_bytes: int) -> str:
        await asyncio.to_thread(self._check)
        fd, name = self._create_staging_file()
        size = 0
        try:
            with os.fdopen(fd, "wb") as out:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise UploadTooLarge(max_bytes)
                    await asyncio.to_thread(out.write, chunk)
                await asyncio.to_thread(out.flush)
                await asyncio.to_thread(os.fsync, out.fileno())
        except BaseException:
            await self.discard(name)
            raise
        return name

    def _create_staging_file(self) -> tuple[int, str]:
        """A new file of a random name, created as any program creates a file (mode 0666 less the
        umask: 0644 as a rule), where mkstemp's 0600 would leave uploads unreadable to the readers
        (a backup, a media server) that can read every discovered file. The published file is a
        hard link to it: the same mode."""
        for _ in range(100):
            name = str(self._incoming / f"{secrets.token_hex(12)}.part")
            try:
                return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666), name
            except FileExistsError:
                continue
        raise FileExistsError("no free staging name")  # 96 random bits: never

    async def publish(self, staged: str, name: str) -> FileStat:
        final = await asyncio.to_thread(self._link_unique, Path(staged), name)
        stat = final.stat()
        return FileStat(self._root, final.relative_to(self._root).as_posix(), stat.st_size, stat.st_mtime)

    async def discard(self, staged: str) -> None:
        await asyncio.to_thread(Path(staged).unlink, missing_ok=True)

    def _link_unique(self, staged: Path, name: str) -> Path:
        """Hard-link under the first free name, then drop the staging name: atomic, never overwrites."""
        self._check()
        stem, dot, ext = name.rpartition(".")
        for n in range(10_000):
            candidate = self._folder / (name if n == 0 else f"{stem} ({n}){dot}{ext}")
            try:
                os.link(staged, candidate)
            except FileExistsError:
                continue
            staged.unlink()
            return candidate
        raise FileExistsError(f"no free name for {name!r} in the upload folder")

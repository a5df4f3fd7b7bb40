"""Spoken languages and the text search configuration PostgreSQL stems each with.

A transcript carries its language as an ISO 639-1 code (`fr`), the one its model detected or was
told. Speech is indexed with the configuration of its language (French stemming joins `municipaux`
and `municipal`, English's does not); a language PostgreSQL does not stem is indexed with `simple`
(lowercased words, no stemming, no stop words). This is the one place the codes map to
configurations: the migration that recomputes existing moments, the writer and search all ask it.
"""

# The languages a transcript may be in: Whisper's (ISO 639-1, plus its three-letter `haw` and `yue`).
LANGUAGES = frozenset(
    "af am ar as az ba be bg bn bo br bs ca cs cy da de el en es et eu fa fi fo fr gl gu ha haw he hi hr ht hu "
    "hy id is it ja jw ka kk km kn ko la lb ln lo lt lv mg mi mk ml mn mr ms mt my ne nl nn no oc pa pl ps pt "
    "ro ru sa sd si sk sl sn so sq sr su sv sw ta te tg th tk tl tr tt uk ur uz vi yi yo yue zh".split()
)
# PostgreSQL's built-in configurations, by the code of the language each stems.
TEXT_SEARCH_CONFIGS = {
    "ar": "arabic",
    "hy": "armenian",
    "eu": "basque",
    "ca": "catalan",
    "da": "danish",
    "nl": "dutch",
    "en": "english",
    "fi": "finnish",
    "fr": "french",
    "de": "german",
    "el": "greek",
    "hi": "hindi",
    "hu": "hungarian",
    "id": "indonesian",
    "it": "italian",
    "lt": "lithuanian",
    "ne": "nepali",
    "no": "norwegian",
    "nn": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "es": "spanish",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}
SIMPLE = "simple"  # the configuration of every other language: words as they are
DEFAULT_LANGUAGE = "en"  # moments written before languages were stored, and labels
CONFIGS = frozenset({*TEXT_SEARCH_CONFIGS.values(), SIMPLE})


def language_code(code: str | None) -> str | None:
    """A transcript's language as stored: lowercased, region dropped (`fr-CA` -> `fr`); None when
    it names no language."""
    if not code:
        return None
    base = code.strip().lower().replace("_", "-").split("-")[0]
    return base or None


def text_search_config(code: str | None) -> str:
    """The configuration that stems a language: `french` for `fr`, `simple` for one PostgreSQL does
    not stem (or none given)."""
    base = language_code(code)
    return TEXT_SEARCH_CONFIGS.get(base, SIMPLE) if base else TEXT_SEARCH_CONFIGS[DEFAULT_LANGUAGE]


def known_language(code: str) -> bool:
    return code in LANGUAGES

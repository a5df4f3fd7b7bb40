"""The canonical form of a config: every stored run carries its hash, and a re-index compares hashes
across processes and releases, so the text and the hash of a config must never change."""

import hashlib

import pytest

from framewise.domain.provenance import canonical_json, config_hash

pytestmark = pytest.mark.unit
CONFIG = {"b": [1, 2.5], "a": "é"}


def test_the_canonical_text_sorts_keys_keeps_utf8_and_has_no_spaces() -> None:
    assert canonical_json(CONFIG) == '{"a":"é","b":[1,2.5]}'


def test_the_hash_is_the_first_16_hex_digits_of_the_sha256_of_that_text() -> None:
    assert config_hash(CONFIG) == hashlib.sha256('{"a":"é","b":[1,2.5]}'.encode()).hexdigest()[:16]
    assert config_hash(CONFIG) == "123b424b7606d08d"


@pytest.mark.parametrize("number", [float("nan"), float("inf")])
def test_a_config_that_json_cannot_carry_is_refused(number: float) -> None:
    with pytest.raises(ValueError):
        canonical_json({"x": number})

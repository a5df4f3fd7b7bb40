"""A session's id is the hash of its cookie's secret: 128 bits in hex, the same for the same secret."""

import hashlib

import pytest

from framewise.domain.session import new_secret, session_id_of

pytestmark = pytest.mark.unit


def test_the_id_is_the_first_128_bits_of_the_secrets_sha256_in_hex() -> None:
    secret = new_secret()
    assert len(secret) == 43 and secret != new_secret()
    assert session_id_of(secret) == hashlib.sha256(secret.encode()).hexdigest()[:32]
    assert len(session_id_of(secret)) == 32

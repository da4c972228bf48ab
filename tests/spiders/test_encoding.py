"""Which encoding a body is read with when its declared charset is wrong or missing."""

from __future__ import annotations

import pytest

from spiders.extract.encoding import UTF8, WINDOWS_1252, actual_encoding, charset_note, decode

TEXT = "Atelier à 14 h, café équitable – entrée libre"


@pytest.mark.parametrize(
    ("body", "declared", "actual"),
    [
        (TEXT.encode("cp1252"), "utf-8", WINDOWS_1252),
        (TEXT.encode("cp1252"), None, WINDOWS_1252),
        (TEXT.encode("cp1252"), "windows-1252", None),
        (TEXT.encode("latin-1", errors="replace"), "ISO-8859-1", None),
        (TEXT.encode("utf-8"), "utf-8", None),
        (TEXT.encode("utf-8"), "ISO-8859-1", UTF8),
        (TEXT.encode("utf-8"), None, UTF8),
        (b"Atelier a 14 h", "utf-8", None),
        (TEXT.encode("utf-16"), "utf-16", None),  # a declaration outside the Western ones is trusted
        (TEXT.encode("cp1252"), "no-such-charset", WINDOWS_1252),
    ],
)
def test_the_bytes_decide(body, declared, actual):
    assert actual_encoding(body, declared) == actual


def test_decode_reads_the_words_right_and_says_what_it_overruled():
    assert decode(TEXT.encode("cp1252"), "utf-8") == (TEXT, WINDOWS_1252)
    assert decode(TEXT.encode("utf-8"), "utf-8") == (TEXT, None)
    assert decode(b"\x81\xe0 14 h", None)[0] == "\ufffdà 14 h"  # a byte windows-1252 leaves undefined
    assert charset_note("https://a/", "utf-8", WINDOWS_1252) == (
        "https://a/: the bytes contradict the declared charset utf-8; read as windows-1252"
    )

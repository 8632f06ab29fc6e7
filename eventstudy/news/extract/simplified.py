"""Traditional Chinese read through the simplified word lists: the article converted character for
character with OpenCC's ``t2s`` (Traditional to Simplified), the same length as the original, so that
every offset found in the converted text quotes the original (``華虹半導體跌9.6%`` is read as
``华虹半导体跌9.6%`` and quoted as written).

The lexicon and the aliases are written in simplified characters; without this, traditional text
(Hong Kong and Taiwan pages) matched almost nothing.
"""

from __future__ import annotations

import functools

import regex

_HAN = regex.compile(r"\p{Han}")


@functools.cache
def _converter():  # type: ignore[no-untyped-def]
    import opencc  # imported only for text with Chinese characters: the CLI's start stays light

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """``text`` in simplified characters, of exactly the same length (so offsets carry over)."""
    if not _HAN.search(text):
        return text
    cc = _converter()
    out = cc.convert(text)
    if len(out) == len(text):
        return out
    # A phrase mapped to a different length (rare): fall back to one character at a time, which
    # keeps every offset whatever the phrase table does.
    return "".join(ch if not _HAN.match(ch) or len(c := cc.convert(ch)) != 1 else c for ch in text)

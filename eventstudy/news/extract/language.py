"""The language of a text, by py3langid (its model ships inside the package: nothing is downloaded)."""

from __future__ import annotations

import functools
from typing import Any

from eventstudy.news.extract.lexicon import LANGUAGES


@functools.cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    # Restricted to the languages the lexicon covers: a short sentence is otherwise easily taken
    # for a neighbour (Italian for Latin, Spanish for Galician), and the answer picks date words.
    ident.set_languages(list(LANGUAGES))
    return ident


# The first 100,000 characters tell the language as well as the whole: a long text is not read to
# its end (a second per megabyte) only to confirm it.
SAMPLE_CHARS = 100_000


def detect(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, probability) among en, it, es, ru, zh, from the first ``SAMPLE_CHARS``
    characters; deterministic for a given text."""
    sample = text[:SAMPLE_CHARS]
    if not sample.strip():
        return "en", 0.0
    lang, prob = _identifier().classify(sample)
    return str(lang), float(prob)

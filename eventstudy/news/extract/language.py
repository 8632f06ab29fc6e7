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


def detect(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, probability) among en, it, es, ru, zh; deterministic for a given text."""
    if not text.strip():
        return "en", 0.0
    lang, prob = _identifier().classify(text)
    return str(lang), float(prob)

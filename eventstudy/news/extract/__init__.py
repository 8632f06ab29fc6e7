"""Claims read from the article itself: language, names, numbers, horizons and dates -> proposed
claims in the events.csv syntax (see :mod:`eventstudy.news.extract.claims` for the rules)."""

from eventstudy.news.extract.article import ArticleClaims, propose, propose_file, read_article
from eventstudy.news.extract.claims import PERIOD_KIND, ProposedClaim
from eventstudy.news.extract.lexicon import AliasTable, default_lexicon, load_aliases

__all__ = ["PERIOD_KIND", "AliasTable", "ArticleClaims", "ProposedClaim", "default_lexicon", "load_aliases",
           "propose", "propose_file", "read_article"]

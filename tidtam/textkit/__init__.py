"""Thai text tools: normalisation and dates in text (``docs/textkit.md``).

A plain Python package, not a Django app: no models, nothing to add to ``INSTALLED_APPS``. Importing it loads no
segmentation dictionary; ``tidtam.textkit.segment`` is imported on its own where needed.
"""

from tidtam.textkit.dates import DateKind, DateMention, find_dates, parse_date
from tidtam.textkit.normalise import NormalisedText, normalise, normalise_mapped

__all__ = [
    "DateKind",
    "DateMention",
    "NormalisedText",
    "find_dates",
    "normalise",
    "normalise_mapped",
    "parse_date",
]

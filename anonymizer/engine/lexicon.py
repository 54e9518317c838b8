"""How common a word is in English, for texts whose capitals say nothing."""

from __future__ import annotations

RARE_ZIPF = 2.0  # under about once in 10 million words of English (wordfreq's Zipf scale)


def rare_in_english(word: str) -> bool:
    """Whether `word` is rare in English text, by wordfreq's word-frequency lists (a declared
    dependency, offline): names, places and brands that no dictionary lists mostly are."""
    # Here, not at module level: its word list is read on first use, by lower-case texts only.
    from wordfreq import zipf_frequency

    return bool(zipf_frequency(word, "en") < RARE_ZIPF)

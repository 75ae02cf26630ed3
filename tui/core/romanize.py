"""Names in any script as ASCII words, for ids: Chinese as pinyin (pypinyin), other scripts through
anyascii, German and Nordic letters as their writers spell them without the marks (ü -> ue, ø -> o)."""

from __future__ import annotations

import re

# Characters of the CJK Unified Ideographs blocks (the basic block, extension A and the compatibility block).
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Words a Chinese company name carries that say nothing about which company it is.
_HAN_FILLER = re.compile(r"有限责任公司|股份有限公司|有限公司|集团|公司|股份|[省市县区]")
_LATIN = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "o", "å": "aa"}


def romanize(name: str) -> str:
    """`name` in ASCII letters: '东莞灯具' -> 'dongguan dengju', 'Москва' -> 'Moskva'."""
    text = "".join(_LATIN.get(ch, ch) for ch in name.lower())
    if _HAN.search(text):
        core = _HAN_FILLER.sub("", text)
        if core.strip():  # 'ABC有限公司' -> 'abc'; a name that is nothing but such words keeps them
            text = core
        text = _HAN.sub(lambda m: f" {_pinyin(m.group())} ", text)
    if not text.isascii():
        from anyascii import anyascii

        text = anyascii(text)
    return text


def _pinyin(han: str) -> str:
    """Pinyin of a run of Chinese characters, two syllables a word (most words in company names have two)."""
    from pypinyin import lazy_pinyin  # 0.3 s to import: only for names that need it

    syllables = lazy_pinyin(han)
    return " ".join("".join(syllables[i:i + 2]) for i in range(0, len(syllables), 2))

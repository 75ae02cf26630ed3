"""What identifies a customer across spellings: phone numbers in E.164, email addresses, the registrable
domain of a website or address, and a name with its accents and legal suffix taken off.

Pure functions; the duplicate matcher (duplicates.py) and the import compare customers through them, so
`+1 (415) 555-0101` and `+14155550101`, or `Müller GmbH` and `Mueller`, count as the same.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Iterable, Mapping

# Used when schema.yaml has no x-crm.free_mail_domains / x-crm.legal_suffixes.
FREE_MAIL = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "yahoo.com",
    "yahoo.co.uk", "yahoo.co.jp", "icloud.com", "me.com", "aol.com", "gmx.de", "gmx.net", "web.de",
    "t-online.de", "mail.ru", "yandex.ru", "proton.me", "protonmail.com", "qq.com", "foxmail.com",
    "163.com", "126.com", "yeah.net", "sina.com", "sina.cn", "sohu.com", "aliyun.com", "139.com",
    "naver.com", "hanmail.net", "rediffmail.com", "libero.it", "orange.fr", "free.fr", "wanadoo.fr",
})
LEGAL_SUFFIXES = (
    "GmbH", "GmbH & Co. KG", "KG", "AG", "e.K.", "UG", "Ltd", "Ltd.", "Limited", "Co., Ltd.", "Co.", "Co", "Inc",
    "Inc.", "Corp", "Corporation", "LLC", "L.L.C.", "LLP", "PLC", "S.A.", "SA", "S.A.S.", "SAS", "SARL", "S.L.",
    "SL", "S.r.l.", "Srl", "S.p.A.", "SpA", "B.V.", "BV", "N.V.", "NV", "AB", "AS", "A/S", "ASA", "Oy", "ApS",
    "Sp. z o.o.", "s.r.o.", "Ltda", "Ltda.", "LTDA", "Pty Ltd", "Pty", "FZE", "FZCO", "FZ-LLC", "W.L.L.", "WLL",
    "JSC", "PJSC", "Bhd", "Sdn Bhd", "Pvt Ltd", "Pvt", "Tbk", "A.Ş.", "Ltd. Şti.", "Company",
    "有限公司", "有限责任公司", "股份有限公司", "集团有限公司", "集团", "公司", "株式会社", "有限会社",
)

# Letters whose usual spelling without the accent is two letters (Müller is written Mueller).
_TWO_LETTERS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "oe", "œ": "oe", "å": "aa", "þ": "th"})
_PUNCT = re.compile(r"[^\w]+", re.UNICODE)
_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@([^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\"]+)$")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def phone_e164(text: str, country: str | None = None) -> str | None:
    """`+1 (415) 555-0101` -> `+14155550101`; a national number needs the country (ISO code) it is
    dialled in. None when the text is not a possible phone number."""
    if not isinstance(text, str) or not text.strip():
        return None
    return _e164(text.strip(), (country or "").upper() or None)


@lru_cache(maxsize=65536)
def _e164(text: str, country: str | None) -> str | None:
    import phonenumbers

    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else country)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_key(text: str) -> str | None:
    """An email address lower-cased and stripped (`<...>` and `mailto:` taken off); None if not an email."""
    if not isinstance(text, str):
        return None
    value = text.strip().removeprefix("mailto:").strip("<> ").casefold()
    return value if _EMAIL.match(value) else None


def _host(text: str) -> str | None:
    value = text.strip().casefold()
    if "@" in value and "://" not in value:
        key = email_key(value)
        return key.rsplit("@", 1)[1] if key else None
    value = re.sub(r"^[a-z][a-z0-9+.-]*://", "", value)
    value = re.split(r"[/?#]", value, maxsplit=1)[0].rsplit("@", 1)[-1]
    value = value.split(":", 1)[0].strip(".")
    if not value or "." not in value or not re.fullmatch(r"[\w.-]+", value) or re.fullmatch(r"[\d.]+", value):
        return None  # not a host name (an IP address says nothing about a company)
    return value


@lru_cache(maxsize=1)
def _suffixes():
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


@lru_cache(maxsize=65536)
def _registrable(host: str) -> str | None:
    """The registrable domain, spelled as people write it (münchen-licht.de, not its xn-- form)."""
    try:
        domain = _suffixes().privatesuffix(host.encode("idna").decode("ascii"))
        return domain.encode("ascii").decode("idna") if domain else None
    except UnicodeError:
        return _suffixes().privatesuffix(host)


def registrable_domain(text: str, free_mail: frozenset[str] = FREE_MAIL) -> str | None:
    """The domain a company registered (`www.shop.mueller.co.uk`, `a@mueller.co.uk` -> `mueller.co.uk`), from
    a URL, a host or an email address; None for free-mail domains and for what is not a domain."""
    if not isinstance(text, str):
        return None
    host = _host(text)
    if host is None:
        return None
    domain = _registrable(host)
    if domain is None or domain in free_mail or host in free_mail:
        return None
    return domain


def fold(text: str) -> str:
    """Case and accents folded the way people retype names: Müller -> mueller, São -> sao, ß -> ss."""
    if text.isascii():
        return text.casefold()
    text = unicodedata.normalize("NFC", text).casefold().translate(_TWO_LETTERS)
    text = unicodedata.normalize("NFKD", text)  # may give capitals back (𝐴 -> A): fold the case again
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def _clean(text: str) -> str:
    return " ".join(_PUNCT.sub(" ", fold(text).replace(".", "")).split())


@lru_cache(maxsize=64)
def _suffix_keys(legal_suffixes: tuple[str, ...]) -> tuple[tuple[str, ...], frozenset[str]]:
    """The suffixes cleaned as names are, longest first, and the last word (or CJK character) of each:
    a name that ends in none of those has no suffix to drop."""
    keys = {_clean(s) for s in legal_suffixes}
    ordered = tuple(sorted((k for k in keys if k), key=len, reverse=True))
    return ordered, frozenset(k.rsplit(" ", 1)[-1] for k in ordered) | frozenset(k[-1] for k in ordered if _CJK.match(k[-1]))


def name_key(name: str, legal_suffixes: Iterable[str] = LEGAL_SUFFIXES) -> str:
    """A company name to compare: folded, punctuation gone, legal suffixes (GmbH, Co., Ltd., 有限公司)
    dropped from the end. `Müller GmbH` and `Mueller` give `mueller`; a name that is only a suffix is kept."""
    if not isinstance(name, str):
        return ""
    key = _clean(name)
    suffixes, tails = _suffix_keys(tuple(legal_suffixes))
    while key and (key.rsplit(" ", 1)[-1] in tails or key[-1] in tails):
        for suffix in suffixes:
            if key.endswith(suffix) and key != suffix:
                head = key[: -len(suffix)]
                if head.endswith(" ") or (_CJK.match(suffix[0]) and _CJK.match(head[-1])):
                    key = head.rstrip()
                    break
        else:
            return key
    return key


NAME_KEY = "n:"  # a catalog summary's identity carries its name_key under this tag
PHONE_FIELDS = ("phone", "mobile", "whatsapp", "tel", "phones")  # of the record and of each contact


def _contacts(data: Mapping) -> list[Mapping]:
    contacts = data.get("contacts")
    return [c for c in contacts if isinstance(c, Mapping)] if isinstance(contacts, list) else []


def identity_keys(data: Mapping, free_mail: frozenset[str] = FREE_MAIL) -> tuple[str, ...]:
    """The tagged keys two records of one customer share: `e:` email, `p:` E.164 phone, `d:` registrable
    domain of the website or of a contact's email. From the record and its contacts, sorted, no repeats."""
    if not isinstance(data, Mapping):
        return ()
    country = data.get("country") if isinstance(data.get("country"), str) else None
    keys: set[str] = set()
    for holder in (data, *_contacts(data)):
        for field in ("email", "emails"):
            for value in _values(holder.get(field)):
                if (email := email_key(value)) is not None:
                    keys.add("e:" + email)
                    if (domain := registrable_domain(email, free_mail)) is not None:
                        keys.add("d:" + domain)
        for field in PHONE_FIELDS:
            if field not in holder:  # most holders have one or two of these: an import asks this of every row
                continue
            for value in _values(holder[field]):
                if (phone := phone_e164(value, country)) is not None:
                    keys.add("p:" + phone)
    for value in _values(data.get("website")):
        if (domain := registrable_domain(value, free_mail)) is not None:
            keys.add("d:" + domain)
    return tuple(sorted(keys))


def _values(value) -> list[str]:
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return [str(value)]
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, (str, int)) and not isinstance(v, bool)]
    return []

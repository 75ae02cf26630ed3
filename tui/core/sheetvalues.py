"""Values as people type them in a spreadsheet, read as the typed fields a record holds.

`美国` and `Germany` become "US" and "DE", `AAA级` becomes AAA, `20,000美元` becomes (20000, "USD"),
`5年` becomes 5 years, an Excel date serial or `2025/3/10` becomes a date. Each parser raises
ValueError with a sentence that says what was expected; the importer puts it in the dry run.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from functools import lru_cache
from typing import Any

EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 is 1900-01-01 (Excel's phantom 1900-02-29 included)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet run a cell as a formula
_SERIAL_RANGE = (1, 2958465)  # 1900-01-01 .. 9999-12-31

# What people write for a currency, beside the ISO code itself. ¥ is the yuan: the users are Chinese
# exporters (write JPY or 日元 for yen).
CURRENCY_WORDS = {
    "美元": "USD", "美金": "USD", "$": "USD", "us$": "USD", "usd$": "USD", "dollar": "USD", "dollars": "USD",
    "欧元": "EUR", "€": "EUR", "euro": "EUR", "euros": "EUR",
    "人民币": "CNY", "人民币元": "CNY", "元": "CNY", "rmb": "CNY", "¥": "CNY", "￥": "CNY", "cn¥": "CNY",
    "英镑": "GBP", "£": "GBP", "日元": "JPY", "円": "JPY", "jp¥": "JPY",
    "澳元": "AUD", "a$": "AUD", "加元": "CAD", "c$": "CAD", "港币": "HKD", "港元": "HKD", "hk$": "HKD",
    "迪拉姆": "AED", "卢比": "INR", "₹": "INR", "雷亚尔": "BRL", "r$": "BRL", "瑞典克朗": "SEK", "挪威克朗": "NOK",
    "卢布": "RUB", "₽": "RUB", "韩元": "KRW", "₩": "KRW", "新加坡元": "SGD", "s$": "SGD", "瑞士法郎": "CHF",
}
_MULTIPLIERS = {"万": 10_000, "千": 1_000, "百万": 1_000_000, "亿": 100_000_000, "k": 1_000, "m": 1_000_000}
_NUMBER = re.compile(r"[-+]?(?:\d{1,3}(?:[,，\s]\d{3})+|\d+)(?:[.]\d+)?|[-+]?[.]\d+")  # 20,000 / 20 000 / 20000.5
_GRADE_TAIL = re.compile(r"^\s*([A-Za-z])\s*(?:级|类|等|级客户|类客户|grade|class|level)?\s*(?:[-–:：(（].*)?$")

# Common ways to write a country that are not ISO names (pycountry knows the official ones).
COUNTRY_ALIASES = {
    "usa": "US", "u.s.": "US", "u.s.a.": "US", "america": "US", "united states of america": "US", "美国": "US",
    "uk": "GB", "u.k.": "GB", "england": "GB", "britain": "GB", "great britain": "GB", "scotland": "GB", "wales": "GB",
    "英国": "GB", "russia": "RU", "俄罗斯": "RU", "korea": "KR", "south korea": "KR", "韩国": "KR", "南韩": "KR",
    "north korea": "KP", "朝鲜": "KP", "vietnam": "VN", "越南": "VN", "turkey": "TR", "türkiye": "TR", "土耳其": "TR",
    "uae": "AE", "阿联酋": "AE", "阿拉伯联合酋长国": "AE", "taiwan": "TW", "台湾": "TW", "中国台湾": "TW",
    "hong kong": "HK", "香港": "HK", "中国香港": "HK", "macau": "MO", "macao": "MO", "澳门": "MO",
    "中国": "CN", "china": "CN", "中国大陆": "CN", "iran": "IR", "伊朗": "IR", "syria": "SY", "laos": "LA",
    "czech republic": "CZ", "czechia": "CZ", "捷克": "CZ", "holland": "NL", "the netherlands": "NL", "荷兰": "NL",
    "ivory coast": "CI", "bolivia": "BO", "venezuela": "VE", "tanzania": "TZ", "moldova": "MD", "沙特": "SA",
    "沙特阿拉伯": "SA", "澳洲": "AU", "新西兰": "NZ", "德國": "DE", "美國": "US", "英國": "GB",
}


def unneutral(value: Any) -> Any:
    """A cell an export neutralised (`'=1+2`, so no spreadsheet runs it) back as it was (`=1+2`)."""
    if isinstance(value, str) and value[:1] == "'" and value[1:2] and value[1] in FORMULA_START:
        return value[1:]
    return value


def clean(value: Any) -> str:
    """A cell as text: numbers without a spurious `.0`, whitespace trimmed (None and NaN are empty)."""
    if isinstance(value, str):
        return " ".join(value.split())  # str.split knows the ideographic space too
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return " ".join(str(value).split())


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    """Every country name pycountry knows, in English and Chinese (simplified and traditional), folded."""
    import gettext

    import pycountry

    names: dict[str, str] = {}
    translations = []
    for lang in ("zh_CN", "zh_TW", "zh_HK"):
        try:
            translations.append(gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang]))
        except OSError:
            pass
    for c in pycountry.countries:
        for name in (c.name, getattr(c, "official_name", None), getattr(c, "common_name", None), c.alpha_3):
            if name:
                names.setdefault(name.casefold(), c.alpha_2)
                for t in translations:
                    names.setdefault(t.gettext(name).casefold(), c.alpha_2)
    names.update(COUNTRY_ALIASES)
    return names


def country(value: Any) -> str:
    """An ISO 3166-1 alpha-2 code from a code (`DE`, `na`), an English or Chinese name (`Germany`, `德国`)."""
    text = clean(value)
    if not text:
        raise ValueError("empty country")
    key = text.casefold()
    if len(text) == 2 and text.isascii() and text.isalpha():
        import pycountry

        if pycountry.countries.get(alpha_2=text.upper()):
            return text.upper()
    names = _country_names()
    found = names.get(key) or names.get(key.strip(" .")) or names.get(key.removesuffix("国").strip())
    if found:
        return found
    raise ValueError(f"{text!r} is not a country crm knows; write its name (Germany, 德国) or ISO code (DE)")


def grade(value: Any, grades: tuple[str, ...]) -> str:
    """A grade letter from `A`, `a`, `A级`, `B类客户`, `C - within 6 months`."""
    text = clean(value)
    match = _GRADE_TAIL.match(text)
    letter = match[1].upper() if match else ""
    if letter in grades:
        return letter
    raise ValueError(f"{text!r} is not a grade; write one of {', '.join(grades)}")


def credit(value: Any, ratings: tuple[str, ...]) -> str:
    """A credit rating from `AAA`, `AAA级`, `aa`, `BBB 级`."""
    text = clean(value)
    core = re.sub(r"\s*(级|等级|级别|信用|rating)$", "", text, flags=re.IGNORECASE).strip().upper()
    if core in ratings:
        return core
    raise ValueError(f"{text!r} is not a credit rating; write one of {', '.join(ratings)}")


STAGE_WORDS = {
    "潜在客户": "lead", "潜在": "lead", "线索": "lead", "新客户": "lead", "已联系": "contacted", "联系中": "contacted",
    "初次联系": "contacted", "询盘": "inquiry", "已询盘": "inquiry", "询价": "inquiry", "报价": "quoted", "已报价": "quoted",
    "样品": "sample", "寄样": "sample", "已寄样": "sample", "打样": "sample", "谈判": "negotiating", "谈判中": "negotiating",
    "洽谈": "negotiating", "成交": "won", "已成交": "won", "下单": "won", "已下单": "won", "复购": "repeat", "返单": "repeat",
    "老客户": "repeat", "休眠": "dormant", "沉睡": "dormant", "暂停": "dormant", "流失": "lost", "丢失": "lost", "无效": "lost",
    "new": "lead", "prospect": "lead", "quote": "quoted", "negotiation": "negotiating", "closed": "won", "customer": "won",
}


def stage(value: Any, stages: tuple[str, ...]) -> str:
    """A funnel stage from its name (`quoted`) or the Chinese word for it (`已报价`)."""
    text = clean(value)
    key = text.casefold()
    found = key if key in stages else STAGE_WORDS.get(key) or STAGE_WORDS.get(text)
    if found in stages:
        return found
    raise ValueError(f"{text!r} is not a stage; write one of {', '.join(stages)}")


def _number(text: str) -> float:
    digits = re.sub(r"[,，\s]", "", text)
    number = float(digits)
    if not math.isfinite(number):
        raise ValueError(f"{text!r} is not a number")
    return number


def _whole(number: float) -> int | float:
    return int(number) if number.is_integer() else round(number, 2)


def money(value: Any, default_currency: str | None = None) -> tuple[int | float, str | None]:
    """(amount, ISO currency) from `20,000美元`, `15,000欧元`, `¥8,000`, `USD 1,200`, `1.5万美元`, `8000`.

    The currency is `default_currency` when the cell names none."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{value!r} is not an amount")
        return _whole(float(value)), default_currency
    text = clean(value)
    found = list(_NUMBER.finditer(text))
    if len(found) != 1:
        raise ValueError(f"{text!r} is not an amount; write a number with a currency, e.g. 20,000美元 or USD 1,200")
    match = found[0]
    amount = _number(match[0])
    rest = (text[: match.start()] + " " + text[match.end():]).strip()
    for word, factor in sorted(_MULTIPLIERS.items(), key=lambda kv: -len(kv[0])):
        tail = text[match.end():].lstrip()
        if tail.casefold().startswith(word):
            amount *= factor
            rest = (text[: match.start()] + " " + tail[len(word):]).strip()
            break
    if amount < 0:
        raise ValueError(f"{text!r} is a negative amount")
    code = currency_of(rest) if rest else default_currency
    return _whole(amount), code


def currency_of(text: str) -> str:
    """An ISO 4217 code from a code (`usd`), a symbol (`€`) or a word (`美元`)."""
    key = text.strip().casefold().removesuffix("元整").strip() if text.strip() not in ("元",) else "元"
    if key in CURRENCY_WORDS:
        return CURRENCY_WORDS[key]
    if re.fullmatch(r"[a-z]{3}", key):
        import pycountry

        if pycountry.currencies.get(alpha_3=key.upper()):
            return key.upper()
    raise ValueError(f"{text!r} is not a currency crm knows; write its ISO code (USD, EUR, CNY)")


def years(value: Any) -> int:
    """Whole years from `5年`, `5 years`, `5`, `5年以上`."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and 0 <= value < 200:
        return int(value)
    text = clean(value)
    match = re.fullmatch(r"(\d{1,3})\s*(?:\+|多)?\s*(?:年|yrs?|years?)?\s*(?:以上|多)?", text, flags=re.IGNORECASE)
    if not match:
        raise ValueError(f"{text!r} is not a number of years; write it like 5年 or 5 years")
    return int(match[1])


def years_before(today: dt.date, count: int) -> dt.date:
    """The day `count` years before `today` (Feb 29 becomes Feb 28)."""
    try:
        return today.replace(year=today.year - count)
    except ValueError:
        return today.replace(year=today.year - count, day=28)


def day(value: Any) -> dt.date:
    """A date from a date cell, an Excel serial (45726), `2025/3/10`, `2025-03-10`, `2025.3.10`, `2025年3月10日`, `20250310`."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _serial(value)
    text = clean(value)
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?", text)
    if not match:
        match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if match:
        try:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise ValueError(f"{text!r} is not a day of the calendar") from None
    if re.fullmatch(r"\d{1,7}(?:\.\d+)?", text):
        return _serial(float(text))
    raise ValueError(f"{text!r} is not a date; write it year first, like 2025-03-10 or 2025/3/10")


def _serial(number: float) -> dt.date:
    if not math.isfinite(number) or not _SERIAL_RANGE[0] <= number <= _SERIAL_RANGE[1]:
        raise ValueError(f"{number!r} is not a date (an Excel date serial is 1 to {_SERIAL_RANGE[1]})")
    return EXCEL_EPOCH + dt.timedelta(days=int(number))


def integer(value: Any) -> int:
    """A whole number from `85`, `85.0`, `1,200`, `85人`, `85 people`."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
            raise ValueError(f"{value!r} is not a whole number")
        return int(value)
    text = clean(value)
    match = re.fullmatch(r"(\d[\d,，]*)\s*(?:人|名|people|persons|staff|employees)?", text, flags=re.IGNORECASE)
    if not match:
        raise ValueError(f"{text!r} is not a whole number")
    return int(re.sub(r"[,，]", "", match[1]))


def phone(value: Any) -> str:
    """A phone number kept as typed (a number cell loses only its `.0`)."""
    return clean(value)


def email(value: Any) -> str:
    text = clean(value).removeprefix("mailto:")
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
        raise ValueError(f"{text!r} is not an email address")
    return text


def website(value: Any) -> str:
    """A web address with its scheme (`www.abc.com` becomes `https://www.abc.com`)."""
    text = clean(value)
    if " " in text or "." not in text:
        raise ValueError(f"{text!r} is not a web address")
    return text if re.match(r"^[a-z][a-z0-9+.-]*://", text, flags=re.IGNORECASE) else f"https://{text}"


def words(value: Any) -> list[str]:
    """A list from `a, b; c`, `a、b`, or one item a line."""
    return [part.strip() for part in re.split(r"[,;，；、\n]", clean(value) if not isinstance(value, str) else value) if part.strip()]


def text(value: Any) -> str:
    """Text as typed (a multi-line cell keeps its lines)."""
    if isinstance(value, str):
        if "\n" not in value and "\r" not in value:
            return " ".join(value.split())
        lines = [" ".join(line.split()) for line in value.replace("\r\n", "\n").split("\n")]
        return "\n".join(lines).strip("\n")
    return clean(value)

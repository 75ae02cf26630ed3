"""Today's date, read in one place.

`CRM_TODAY=YYYY-MM-DD` pins it for every command, and for the merge driver git runs on their behalf
(git passes the environment on), so scripts and tests never depend on the day they run.
"""

from __future__ import annotations

import datetime as dt
import os

from tui.core.errors import CrmError

ENV = "CRM_TODAY"


def today() -> dt.date:
    """$CRM_TODAY when set, else the system's local date. A malformed value is an error, never ignored."""
    given = os.environ.get(ENV)
    if given:
        try:
            return dt.date.fromisoformat(given)
        except ValueError:
            raise CrmError(f"{ENV}={given!r} is not a date; use YYYY-MM-DD") from None
    return dt.date.today()

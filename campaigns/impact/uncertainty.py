"""Whether a change in counts is larger than chance variation, in words.

Counts of people seeking help are treated as Poisson counts. The ratio of two counts (after over
before) gets a 95% interval from the log-ratio normal approximation: log(after / before) ± 1.96 ×
√(1/after + 1/before). Adjusting for a comparison (the same months a year earlier, or areas that
had not launched yet) divides by that comparison's ratio, and the four reciprocals add under the
square root. Where the interval is wide the counts are too few to tell anything; where it
includes no change the change is within chance variation.
"""

import math
from dataclasses import dataclass

Z95 = 1.96
# An interval whose top is more than this many times its bottom says nothing useful.
TOO_WIDE = 2.0

METHOD = (
    "Whether a change is larger than chance: counts of people seeking help vary by chance from "
    "one period to the next, more so when they are small. Each change is given a 95% interval for "
    "the ratio of the two counts, treating them as Poisson counts and using the log-ratio normal "
    "approximation. A change is called clear only when the whole interval lies above (or below) "
    "no change; where the interval is very wide there are too few people to tell. Real figures "
    "also move with the seasons and the news, which is why the same months a year earlier are "
    "shown beside them."
)


@dataclass(frozen=True)
class Change:
    """A ratio of counts with its 95% interval, and what it means."""

    ratio: float | None
    low: float | None
    high: float | None

    @property
    def percent(self) -> int | None:
        return None if self.ratio is None else round((self.ratio - 1) * 100)

    @property
    def verdict(self) -> str:
        """ "rose", "fell", "too few" or "no clear change"."""
        if self.ratio is None or self.low is None or self.high / self.low > TOO_WIDE * TOO_WIDE:
            return "too few"
        if self.low > 1:
            return "rose"
        if self.high < 1:
            return "fell"
        if self.high / self.low > TOO_WIDE:
            return "too few"
        return "no clear change"

    @property
    def clear(self) -> bool:
        return self.verdict in {"rose", "fell"}

    @property
    def interval_text(self) -> str:
        if self.low is None:
            return ""
        return f"{_signed(self.low)} to {_signed(self.high)}"

    @property
    def words(self) -> str:
        """A short verdict to print beside the percentage."""
        return {
            "rose": "clearly larger than chance variation",
            "fell": "clearly smaller than chance variation",
            "too few": "too few people to tell",
            "no clear change": "within chance variation",
        }[self.verdict]


def _signed(ratio: float) -> str:
    percent = round((ratio - 1) * 100)
    if percent == 0:
        return "0%"
    return f"+{percent}%" if percent > 0 else f"−{abs(percent)}%"


def ratio_change(before: int | None, after: int | None) -> Change:
    """after / before with its interval; no interval where either count is 0 or missing."""
    return adjusted_change([(after, before)])


def adjusted_change(pairs: list[tuple[int | None, int | None]]) -> Change:
    """The product of (numerator / denominator) ratios, e.g. (after / before) divided by
    (after a year earlier / before a year earlier), given as [(after, before),
    (before_year_earlier, after_year_earlier)]."""
    counts = [count for pair in pairs for count in pair]
    if any(count is None or count <= 0 for count in counts):
        ratio = None
        if all(count is not None for count in counts):
            denominators = [pair[1] for pair in pairs]
            if all(denominators):
                ratio = math.prod(a / b for a, b in pairs)
        return Change(ratio, None, None)
    ratio = math.prod(a / b for a, b in pairs)
    spread = Z95 * math.sqrt(sum(1 / count for count in counts))
    return Change(ratio, ratio * math.exp(-spread), ratio * math.exp(spread))

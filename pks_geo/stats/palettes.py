"""ColorBrewer sequential palettes for choropleth classes, zero and no-data colours.

Colours: ColorBrewer 2.0 by Cynthia A. Brewer, Mark Harrower and The Pennsylvania State
University (colorbrewer2.org, Apache-2.0 licence), read from the copy that ships with
``branca`` (folium's dependency, MIT) so no hex ramp is retyped here.

Only the single- and multi-hue *sequential* schemes are offered: their lightness falls
steadily from the first class to the last, so a map printed in greyscale still reads
from light (few) to dark (many). Zero and no data sit outside the ramp:

- zero is white (``#ffffff``); the classes take the darkest k colours of the (k+1)-class
  scheme, so the lightest class is one ColorBrewer step darker than zero. At k = 9 (no
  10-class scheme exists) the classes use the 9-class scheme and class 1 is close to white
  (prefer k <= 8 for greyscale print);
- no data is a neutral grey (``#bdbdbd``) that no sequential scheme uses as a class
  colour; renderers should also hatch it (``NO_DATA_PATTERN``), since in greyscale print a
  grey can match a middle class.
"""

from __future__ import annotations

from functools import lru_cache

from branca.utilities import color_brewer

from pks_geo import catalogue

SEQUENTIAL = ("YlOrRd", "OrRd", "Reds", "YlOrBr", "Oranges", "PuRd", "RdPu", "Purples",
              "BuPu", "Blues", "PuBu", "YlGnBu", "GnBu", "Greens", "YlGn")
"""ColorBrewer's sequential schemes except Greys, whose 9-class ramp starts at white (= zero)."""
DEFAULT_PALETTE = "YlOrRd"
ZERO_COLOR = "#ffffff"
NO_DATA_COLOR = "#bdbdbd"
NO_DATA_PATTERN = "hatch"
MIN_CLASSES, MAX_CLASSES = 3, 9
"""ColorBrewer's sequential schemes exist for 3 to 9 classes."""
ATTRIBUTION = {lang: catalogue.messages(lang)["legend_colour_credit"] for lang in catalogue.LANGUAGES}
"""The colour credit every legend and print carries, in the page's language."""


@lru_cache(maxsize=256)
def ramp(palette: str, n: int) -> tuple[str, ...]:
    """The ColorBrewer ``palette`` scheme with exactly ``n`` (3..9) colours, light to dark."""
    if palette not in SEQUENTIAL:
        raise ValueError(f"unknown palette {palette!r}; expected one of {', '.join(SEQUENTIAL)}")
    if not MIN_CLASSES <= n <= MAX_CLASSES:
        raise ValueError(f"ColorBrewer schemes have {MIN_CLASSES} to {MAX_CLASSES} classes, not {n}")
    return tuple(color.lower() for color in color_brewer(palette, n))


def class_colors(palette: str, k: int) -> list[str]:
    """Colours of ``k`` classes above zero (k = 0..9), lightest first, all darker than zero.

    Fewer than 3 classes (few distinct values) take the darkest colours of the 3-class
    scheme, so a lone class is still clearly not zero.
    """
    if k <= 0:
        return []
    if k > MAX_CLASSES:
        raise ValueError(f"at most {MAX_CLASSES} classes, got {k}")
    if k == MAX_CLASSES:
        return list(ramp(palette, MAX_CLASSES))
    scheme = ramp(palette, max(k + 1, MIN_CLASSES))
    return list(scheme[-k:])


def luminance(color: str) -> float:
    """Relative luminance (WCAG 2) of ``#rrggbb``: what a greyscale print keeps of a colour."""
    channels = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

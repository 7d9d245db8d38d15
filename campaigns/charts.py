"""Geometry of the dashboard's server-rendered SVG charts (no JavaScript, no chart library).

The functions here are pure: they turn figures into coordinates that the templates
`campaigns/dashboard_bars.html` and `campaigns/dashboard_line.html` draw, each with a title,
a description and a data table for screen readers and for anyone who prefers numbers.
Bar charts put each label on its own line above its bars, so they stay legible when the
SVG shrinks to a 360 px phone screen.
"""

import math
from datetime import date, timedelta

WIDTH = 320  # narrow, so that text stays legible when a phone shrinks the drawing
VALUE_SPACE = 52  # room right of the longest bar for its number
LABEL_HEIGHT = 17
BAR_HEIGHT = 12
BAR_GAP = 3
ROW_GAP = 10
LABEL_FONT_SIZE = 14  # as .chart-label in static/css/dashboard.css


def nice_ceiling(value):
    """The smallest 1, 2 or 5 × 10^k that is at least `value` (1 for nothing)."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def text_width(text, font_size=LABEL_FONT_SIZE):
    """Rough width of `text` in SVG units: wide (CJK) characters 1 em, others about 0.6 em."""
    return sum(font_size if ord(char) > 0x2E80 else font_size * 0.6 for char in text)


def shorten(label, width=WIDTH):
    """Cut a label with an ellipsis so that it fits in `width` (the full text stays in a title)."""
    label = str(label)
    if text_width(label) <= width:
        return label
    while label and text_width(label + "…") > width:
        label = label[:-1]
    return label + "…"


def bar_chart(*, chart_id, title, description, label_header, series, rows):
    """Horizontal bars, one group per row, one bar per series.

    `series` is a list of (label, css class); `rows` a list of (label, [value per series]).
    """
    largest = max((value for _, values in rows for value in values), default=0)
    scale = (WIDTH - VALUE_SPACE) / largest if largest else 0
    group_height = len(series) * (BAR_HEIGHT + BAR_GAP)
    drawn = []
    y = 0
    for label, values in rows:
        bars = []
        bar_y = y + LABEL_HEIGHT + 2
        for (series_label, css), value in zip(series, values, strict=True):
            width = value * scale
            bars.append(
                {
                    "x": 0,
                    "y": bar_y,
                    "width": round(max(width, 1 if value else 0), 1),
                    "height": BAR_HEIGHT,
                    "value": value,
                    "value_x": round(width + 4, 1),
                    "text_y": bar_y + BAR_HEIGHT - 2,
                    "css": css,
                    "series": series_label,
                }
            )
            bar_y += BAR_HEIGHT + BAR_GAP
        drawn.append(
            {"label": shorten(label), "full_label": label, "label_y": y + 12, "bars": bars}
        )
        y += LABEL_HEIGHT + 2 + group_height + ROW_GAP
    return {
        "id": chart_id,
        "kind": "bars",
        "title": title,
        "description": description,
        "width": WIDTH,
        "height": max(y, 20),
        "series": [{"label": label, "css": css} for label, css in series],
        "rows": drawn,
        "empty": not rows,
        "table": {
            "headers": [label_header] + [label for label, _ in series],
            "rows": [[label, *values] for label, values in rows],
        },
    }


LINE_HEIGHT = 170
PAD_LEFT = 40
PAD_RIGHT = 8
PAD_TOP = 10
PAD_BOTTOM = 26
MAX_MARKERS = 62


def fill_days(points):
    """[(date, count)] ascending, with the missing days between first and last as zeros."""
    if not points:
        return []
    counts = dict(points)
    first, last = points[0][0], points[-1][0]
    days = (last - first).days
    return [
        (first + timedelta(days=offset), counts.get(first + timedelta(days=offset), 0))
        for offset in range(days + 1)
    ]


def line_chart(*, chart_id, title, description, label_header, value_header, points):
    """A line over days: `points` is a list of (date or ISO string, count), ascending."""
    points = [
        (day if isinstance(day, date) else date.fromisoformat(day), count) for day, count in points
    ]
    filled = fill_days(points)
    top = nice_ceiling(max((count for _, count in filled), default=0))
    plot_width = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_height = LINE_HEIGHT - PAD_TOP - PAD_BOTTOM
    step = plot_width / (len(filled) - 1) if len(filled) > 1 else 0
    coordinates = []
    for index, (day, count) in enumerate(filled):
        x = PAD_LEFT + (index * step if len(filled) > 1 else plot_width / 2)
        y = PAD_TOP + plot_height * (1 - count / top)
        coordinates.append({"x": round(x, 1), "y": round(y, 1), "date": day, "count": count})
    baseline = PAD_TOP + plot_height
    polyline = " ".join(f"{point['x']},{point['y']}" for point in coordinates)
    area = ""
    if coordinates:
        area = (
            f"M{coordinates[0]['x']},{baseline} L"
            + " L".join(f"{point['x']},{point['y']}" for point in coordinates)
            + f" L{coordinates[-1]['x']},{baseline} Z"
        )
    ticks = [
        {"value": value, "y": round(PAD_TOP + plot_height * (1 - value / top), 1)}
        for value in (0, top // 2 if top > 1 else 0, top)
    ]
    ticks = list({tick["value"]: tick for tick in ticks}.values())
    x_labels = []
    if coordinates:
        chosen = {0, len(coordinates) - 1, (len(coordinates) - 1) // 2}
        for index in sorted(chosen):
            point = coordinates[index]
            anchor = "start" if index == 0 else "end" if index == len(coordinates) - 1 else "middle"
            x_labels.append({"x": point["x"], "text": point["date"].isoformat(), "anchor": anchor})
    return {
        "id": chart_id,
        "kind": "line",
        "title": title,
        "description": description,
        "width": WIDTH,
        "height": LINE_HEIGHT,
        "plot_left": PAD_LEFT,
        "plot_right": WIDTH - PAD_RIGHT,
        "baseline": baseline,
        "label_y": LINE_HEIGHT - 8,
        "polyline": polyline,
        "area": area,
        "markers": coordinates if len(coordinates) <= MAX_MARKERS else [],
        "ticks": ticks,
        "x_labels": x_labels,
        "empty": not points,
        "table": {
            "headers": [label_header, value_header],
            "rows": [[day.isoformat(), count] for day, count in points],
        },
    }

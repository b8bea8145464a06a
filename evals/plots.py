"""Inline SVG plots for the HTML report: no scripts, no fonts to fetch, no external files."""

from __future__ import annotations

from html import escape

_PALETTE = ("#2f6fb0", "#d9822b", "#3a9a5b", "#9b4dca", "#c23b3b")


def bar_chart(groups: list[str], series: list[tuple[str, list[float | None]]], *, width: int = 760) -> str:
    """Horizontal grouped bars of fractions in [0, 1]: one group per label, one bar per series."""
    label_w, bar_h, gap, top = 170, 16, 10, 24
    plot_w = width - label_w - 60
    rows = max(len(groups), 1)
    group_h = bar_h * len(series) + gap
    height = top + rows * group_h + 24
    parts = [_svg_open(width, height, "accuracy by group")]
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = label_w + tick * plot_w
        parts.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 20}" stroke="#ddd"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" class="tick">{tick:.0%}</text>')
    for g, name in enumerate(groups):
        y0 = top + g * group_h
        parts.append(
            f'<text x="{label_w - 8}" y="{y0 + group_h / 2:.1f}" text-anchor="end" dominant-baseline="middle">'
            f"{escape(_short(name, 24))}</text>"
        )
        for s, (_, values) in enumerate(series):
            value = values[g]
            y = y0 + s * bar_h
            if value is None:
                continue
            w = max(value * plot_w, 1.0)
            parts.append(
                f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h - 3}" '
                f'fill="{_PALETTE[s % len(_PALETTE)]}"><title>{escape(name)}: {value:.1%}</title></rect>'
            )
            parts.append(
                f'<text x="{label_w + w + 4:.1f}" y="{y + (bar_h - 3) / 2:.1f}" dominant-baseline="middle" '
                f'class="tick">{value:.1%}</text>'
            )
    parts.append(_legend([name for name, _ in series], label_w, 14) if len(series) > 1 else "")
    parts.append("</svg>")
    return "".join(parts)


def histogram(
    series: list[tuple[str, list[float]]], *, bins: int = 20, width: int = 760, unit: str = "", xlabel: str = ""
) -> str:
    """A histogram of one or more value lists over shared bins (overlaid, translucent); y counts samples."""
    values = [v for _, vs in series for v in vs]
    height, left, bottom, top = 256, 50, 52, 24
    plot_w, plot_h = width - left - 20, height - top - bottom
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    if hi <= lo:
        hi = lo + 1.0
    step = (hi - lo) / bins
    counts = []
    for _, vs in series:
        row = [0] * bins
        for v in vs:
            row[min(int((v - lo) / step), bins - 1)] += 1
        counts.append(row)
    peak = max((c for row in counts for c in row), default=1) or 1
    parts = [_svg_open(width, height, "histogram")]
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#888"/>'
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" class="tick">{peak}</text>'
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" class="tick">0</text>'
    )
    bar_w = plot_w / bins
    for s, row in enumerate(counts):
        for b, count in enumerate(row):
            if not count:
                continue
            h = count / peak * plot_h
            x = left + b * bar_w
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
                f'fill="{_PALETTE[s % len(_PALETTE)]}" fill-opacity="{0.85 if len(series) == 1 else 0.55}">'
                f"<title>{lo + b * step:,.0f}-{lo + (b + 1) * step:,.0f}{unit}: {count}</title></rect>"
            )
    for frac in (0.0, 0.5, 1.0):
        x = left + frac * plot_w
        parts.append(
            f'<text x="{x:.1f}" y="{height - 30}" text-anchor="middle" class="tick">{lo + frac * (hi - lo):,.0f}{unit}</text>'
        )
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 8}" text-anchor="middle">{escape(xlabel)}</text>')
    parts.append(_legend([name for name, _ in series], left, 14) if len(series) > 1 else "")
    parts.append("</svg>")
    return "".join(parts)


def _svg_open(width: int, height: int, label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" font-size="12" '
        f'font-family="system-ui, sans-serif">'
    )


def _legend(names: list[str], x: int, y: int) -> str:
    parts, offset = [], 0
    for s, name in enumerate(names):
        parts.append(
            f'<rect x="{x + offset}" y="{y - 9}" width="10" height="10" fill="{_PALETTE[s % len(_PALETTE)]}"/>'
            f'<text x="{x + offset + 14}" y="{y}">{escape(_short(name, 30))}</text>'
        )
        offset += 24 + 7 * len(_short(name, 30))
    return "".join(parts)


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"

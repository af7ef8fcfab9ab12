"""Draws the app icon (icons/icon.png, 256x256 RGBA) with the standard library only.

A rounded square in a warm ember gradient with a flame cut out of it: the
hearth. Tauri needs RGBA PNGs; regenerate with `python3 icons/make_icon.py`.
"""

import math
import struct
import zlib
from pathlib import Path

SIZE = 256


def rounded_square_alpha(x, y, r=56):
    """Coverage (0..1) of a rounded square filling the canvas with 8 px margin."""
    m = 8
    cx = min(max(x, m + r), SIZE - m - r)
    cy = min(max(y, m + r), SIZE - m - r)
    d = math.hypot(x - cx, y - cy)
    return max(0.0, min(1.0, r - d + 0.5))


def in_flame(x, y):
    """Coverage of a flame: a circle at the bottom merging into a point at the top."""
    cx, cy, r = 128.0, 160.0, 50.0
    if math.hypot(x - cx, y - cy) <= r:
        return 1.0
    if y < cy and y > 52:
        # The half-width narrows from r at cy to 0 at the tip, bending right.
        t = (cy - y) / (cy - 52)
        half = r * (1 - t) ** 1.3
        bend = 14 * math.sin(t * math.pi)
        return 1.0 if abs(x - cx - bend) <= half else 0.0
    return 0.0


def pixel(x, y):
    a = rounded_square_alpha(x + 0.5, y + 0.5)
    t = y / SIZE
    # Ember gradient: amber at the top to deep red-orange at the bottom.
    r, g, b = 250 - 30 * t, 150 - 80 * t, 60 - 30 * t
    f = sum(in_flame(x + dx, y + dy) for dx in (0.25, 0.75) for dy in (0.25, 0.75)) / 4
    inner = sum(in_flame((x + dx - 128) * 1.9 + 128, (y + dy - 176) * 1.9 + 176) for dx in (0.25, 0.75) for dy in (0.25, 0.75)) / 4
    # Cream flame with an amber core.
    fr, fg, fb = 255 * (1 - inner) + 252 * inner, 247 * (1 - inner) + 186 * inner, 230 * (1 - inner) + 80 * inner
    r, g, b = r * (1 - f) + fr * f, g * (1 - f) + fg * f, b * (1 - f) + fb * f
    return bytes((round(r), round(g), round(b), round(255 * a)))


def png(width, height, rows):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + row for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


rows = [b"".join(pixel(x, y) for x in range(SIZE)) for y in range(SIZE)]
Path(__file__).with_name("icon.png").write_bytes(png(SIZE, SIZE, rows))

"""Draw the app icon with QPainter and write PNGs, a Windows .ico and a macOS .icns.

    .venv/bin/python packaging/make_icons.py            # writes resources/icons/
    .venv/bin/python packaging/make_icons.py --check    # exit 1 when the committed files differ

No Pillow, no iconutil: both containers are simple enough to write with ``struct``.

* ICO: a 6-byte header, one 16-byte directory entry per image, then the images. Sizes below 256
  are stored as 32-bit BMPs (a BITMAPINFOHEADER with doubled height, BGRA rows bottom-up, then a
  1-bit AND mask), which every Windows version and resource compiler reads; 256 is stored as PNG
  (Vista and later), as Windows' own icons do.
* ICNS: the magic ``icns`` and the total length, then ``type, length, PNG data`` per image, all
  big-endian. The PNG types (ic04…ic14, icp4…icp6) cover every size macOS asks for.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt  # noqa: E402
from PySide6.QtGui import (  # noqa: E402
    QBrush,
    QColor,
    QGuiApplication,
    QImage,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPen,
)

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "resources" / "icons"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# (OSType, pixel size) — the PNG-carrying icns types.
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic10", 1024),  # 512@2x
    (b"ic11", 32),  # 16@2x
    (b"ic12", 64),  # 32@2x
    (b"ic13", 256),  # 128@2x
    (b"ic14", 512),  # 256@2x
)


def draw_icon(size: int) -> QImage:
    """A blue rounded square, a white envelope and a green tick badge, drawn for ``size``."""
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(size / 1024, size / 1024)  # draw on a 1024 grid

    # macOS-style margin so the icon sits like its neighbours in the Dock and in Explorer.
    tile = QRectF(64, 64, 896, 896)
    gradient = QLinearGradient(tile.topLeft(), tile.bottomLeft())
    gradient.setColorAt(0.0, QColor("#3B82F6"))
    gradient.setColorAt(1.0, QColor("#1D4ED8"))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(gradient))
    p.drawRoundedRect(tile, 200, 200)

    # Envelope: body and flap, white with a soft blue outline for small sizes.
    body = QRectF(208, 300, 608, 424)
    outline = QPen(QColor("#1E3A8A"), 28 if size <= 32 else 18)
    outline.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.setPen(outline)
    p.setBrush(QColor("#FFFFFF"))
    p.drawRoundedRect(body, 48, 48)
    flap = QPainterPath(QPointF(body.left() + 24, body.top() + 24))
    flap.lineTo(QPointF(body.center().x(), body.top() + 250))
    flap.lineTo(QPointF(body.right() - 24, body.top() + 24))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawPath(flap)

    # Badge: a green disc with a tick, bottom right, overlapping the envelope.
    badge = QRectF(600, 584, 320, 320)
    p.setPen(QPen(QColor("#FFFFFF"), 36))
    p.setBrush(QColor("#16A34A"))
    p.drawEllipse(badge)
    tick = QPainterPath(QPointF(680, 748))
    tick.lineTo(QPointF(744, 812))
    tick.lineTo(QPointF(850, 690))
    pen = QPen(QColor("#FFFFFF"), 48)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawPath(tick)
    p.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):  # type: ignore[call-overload]  # stub says bytes
        raise RuntimeError("Qt could not encode a PNG")
    buffer.close()
    return bytes(data.data())


def bmp_icon_bytes(image: QImage) -> bytes:
    """An ICO image entry in BMP form: BITMAPINFOHEADER, BGRA rows bottom-up, AND mask."""
    img = image.convertToFormat(QImage.Format.Format_ARGB32)  # little-endian: B, G, R, A
    w, h = img.width(), img.height()
    header = struct.pack("<IiiHHIIiiII", 40, w, h * 2, 1, 32, 0, w * h * 4, 0, 0, 0, 0)
    pixels = bytes(img.constBits())
    stride = img.bytesPerLine()
    rows = []
    mask_stride = ((w + 31) // 32) * 4
    mask_rows = []
    for y in range(h - 1, -1, -1):  # bottom-up
        line = pixels[y * stride : y * stride + w * 4]
        rows.append(line)
        bits = bytearray(mask_stride)
        for x in range(w):
            if line[x * 4 + 3] == 0:  # fully transparent: set the AND bit
                bits[x // 8] |= 0x80 >> (x % 8)
        mask_rows.append(bytes(bits))
    return header + b"".join(rows) + b"".join(mask_rows)


def ico_bytes(images: dict[int, QImage]) -> bytes:
    entries = []
    for size in ICO_SIZES:
        image = images[size]
        data = png_bytes(image) if size >= 256 else bmp_icon_bytes(image)
        entries.append((size, data))
    out = struct.pack("<HHH", 0, 1, len(entries))
    offset = 6 + 16 * len(entries)
    blobs = []
    for size, data in entries:
        dim = 0 if size >= 256 else size  # 0 means 256
        out += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
        blobs.append(data)
    return out + b"".join(blobs)


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    body = b"".join(
        struct.pack(">4sI", ostype, 8 + len(pngs[size])) + pngs[size] for ostype, size in ICNS_TYPES
    )
    return struct.pack(">4sI", b"icns", 8 + len(body)) + body


def render_all() -> dict[str, bytes]:
    """Every output file's name and bytes."""
    images = {size: draw_icon(size) for size in PNG_SIZES}
    pngs = {size: png_bytes(image) for size, image in images.items()}
    files = {f"app-{size}.png": data for size, data in pngs.items()}
    files["app.ico"] = ico_bytes(images)
    files["app.icns"] = icns_bytes(pngs)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    files = render_all()
    del app
    if args.check:
        stale = [
            n
            for n, d in files.items()
            if not (args.out / n).is_file() or (args.out / n).read_bytes() != d
        ]
        for name in stale:
            print(f"differs: {args.out / name}", file=sys.stderr)
        return 1 if stale else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (args.out / name).write_bytes(data)
        print(f"{args.out / name} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Write the lesson illustrations (static/images/lessons/*.svg): plain line drawings of a phone
with the control a step talks about highlighted.

Drawn from code so that they stay consistent and small, and carry no text that would need
translating: each has a <title> (Japanese) for its own sake, and every step that shows one
has its alt text in the lesson (demo.courses.DEMO_STEPS).

    python demo/illustrations.py          # rewrite the files
    python demo/illustrations.py --check  # exit 1 if a file is out of date
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "static" / "images" / "lessons"
INK = "#1f2933"
SCREEN = "#eef2f7"
MARK = "#c2410c"  # the highlighted control: orange outline, light fill
MARK_FILL = "#fed7aa"
W, H = 240, 400


def _svg(title: str, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" '
        f'height="{H}" role="img">\n<title>{title}</title>\n{body}</svg>\n'
    )


def _phone(kind: str, screen: str = "") -> str:
    """The phone's front: body, screen, the camera (notch or punch hole), then ``screen``."""
    parts = [
        f'<rect x="50" y="20" width="140" height="360" rx="24" fill="#fff" stroke="{INK}" '
        'stroke-width="4"/>',
        f'<rect x="60" y="40" width="120" height="320" rx="12" fill="{SCREEN}" stroke="{INK}" '
        'stroke-width="2"/>',
    ]
    if kind == "iphone":
        parts.append(f'<rect x="100" y="46" width="40" height="10" rx="5" fill="{INK}"/>')
    else:
        parts.append(f'<circle cx="120" cy="52" r="5" fill="{INK}"/>')
    parts.append(screen)
    return "\n".join(p for p in parts if p) + "\n"


def _button(x: float, y: float, h: float, marked: bool) -> str:
    colour, fill, width = (MARK, MARK_FILL, 4) if marked else (INK, "#fff", 3)
    return (
        f'<rect x="{x}" y="{y}" width="8" height="{h}" rx="3" fill="{fill}" stroke="{colour}" '
        f'stroke-width="{width}"/>\n'
    )


def _press(x: float, y: float, direction: int) -> str:
    """Arcs beside a pressed button (direction +1: to the right of it, -1: to the left)."""
    return "".join(
        f'<path d="M{x + direction * r} {y - r} Q{x + direction * (r + 8)} {y} '
        f'{x + direction * r} {y + r}" fill="none" stroke="{MARK}" stroke-width="4" '
        'stroke-linecap="round"/>\n'
        for r in (12, 22)
    )


def _arrow(x1: float, y1: float, x2: float, y2: float) -> str:
    return (
        f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{MARK}" stroke-width="5" '
        'stroke-linecap="round"/>\n'
        f'<path d="M{x2 - 12} {y2 - 10} L{x2} {y2} L{x2 - 12} {y2 + 10}" fill="none" '
        f'stroke="{MARK}" stroke-width="5" stroke-linecap="round" stroke-linejoin="round"/>\n'
    )


def _power_symbol(cx: float, cy: float, r: float, colour: str = INK) -> str:
    return (
        f'<path d="M{cx - r * 0.7} {cy - r * 0.7} A{r} {r} 0 1 0 {cx + r * 0.7} {cy - r * 0.7}" '
        f'fill="none" stroke="{colour}" stroke-width="3" stroke-linecap="round"/>\n'
        f'<line x1="{cx}" y1="{cy - r * 1.1}" x2="{cx}" y2="{cy}" stroke="{colour}" '
        'stroke-width="3" stroke-linecap="round"/>\n'
    )


def _lines(x: float, y: float, widths: list[int], gap: int = 14) -> str:
    """Grey bars standing for text (no words to translate)."""
    return "".join(
        f'<rect x="{x}" y="{y + n * gap}" width="{w}" height="6" rx="3" fill="#9aa5b1"/>\n'
        for n, w in enumerate(widths)
    )


def iphone_power_off() -> str:
    body = _phone("iphone")
    body += _button(42, 100, 26, True) + _button(42, 136, 26, False)  # volume up, down
    body += _button(190, 110, 44, True)  # side button
    body += _press(42, 113, -1) + _press(198, 132, 1)
    return _svg("iPhone：サイドボタンと音量ボタンを同時に長押し", body)


def iphone_slide_power() -> str:
    screen = (
        f'<rect x="70" y="80" width="100" height="36" rx="18" fill="#fff" stroke="{INK}" '
        'stroke-width="2"/>\n'
        f'<circle cx="88" cy="98" r="15" fill="{MARK_FILL}" stroke="{MARK}" stroke-width="4"/>\n'
        + _power_symbol(88, 100, 7, MARK)
        + _arrow(110, 140, 165, 140)
    )
    body = _phone("iphone", screen) + _button(190, 110, 44, False)
    return _svg("iPhone：電源のマークを右へスライド", body)


def android_power_button() -> str:
    body = _phone("android")
    body += _button(190, 90, 50, False)  # volume rocker
    body += _button(190, 160, 30, True)  # power button
    body += _press(198, 175, 1)
    return _svg("Android：右側の電源ボタンを長押し", body)


def android_power_menu() -> str:
    screen = ""
    for n, marked in enumerate((True, False, False)):
        cy = 120 + n * 70
        colour, fill = (MARK, MARK_FILL) if marked else (INK, "#fff")
        screen += (
            f'<circle cx="120" cy="{cy}" r="24" fill="{fill}" stroke="{colour}" '
            f'stroke-width="{4 if marked else 2}"/>\n'
        )
    screen += _power_symbol(120, 122, 10, MARK)
    screen += (
        f'<path d="M110 190 A12 12 0 1 1 114 200" fill="none" stroke="{INK}" stroke-width="3"/>\n'
    )
    screen += (
        f'<rect x="111" y="250" width="18" height="18" rx="3" fill="none" stroke="{INK}" '
        'stroke-width="3"/>\n'
    )
    body = _phone("android", screen) + _button(190, 90, 50, False) + _button(190, 160, 30, False)
    return _svg("Android：電源メニューの「電源を切る」", body)


def iphone_silent_switch() -> str:
    body = _phone("iphone")
    body += _button(42, 70, 18, True)  # ring/silent switch (or Action button)
    body += _button(42, 100, 26, False) + _button(42, 136, 26, False)
    body += _press(42, 79, -1)
    body += _button(190, 110, 44, False)
    return _svg("iPhone：左上の着信/サイレントスイッチ", body)


def android_sound_bell() -> str:
    screen = (
        f'<rect x="140" y="80" width="30" height="150" rx="15" fill="#fff" stroke="{INK}" '
        'stroke-width="2"/>\n'
        f'<rect x="146" y="150" width="18" height="74" rx="9" fill="#9aa5b1"/>\n'
        f'<circle cx="155" cy="258" r="18" fill="{MARK_FILL}" stroke="{MARK}" stroke-width="4"/>\n'
        f'<path d="M146 264 h18 M149 264 v-9 a6 6 0 0 1 12 0 v9" fill="none" stroke="{MARK}" '
        'stroke-width="3" stroke-linejoin="round"/>\n'
        f'<circle cx="155" cy="268" r="2.5" fill="{MARK}"/>\n'
    )
    body = _phone("android", screen) + _button(190, 90, 50, True) + _button(190, 160, 30, False)
    body += _press(198, 115, 1)
    return _svg("Android：音量ボタンを押して、ベルのマークをタップ", body)


def _app_grid(marked: tuple[int, int]) -> str:
    out = ""
    for row in range(5):
        for col in range(3):
            x, y = 72 + col * 36, 80 + row * 48
            if (row, col) == marked:
                out += (
                    f'<rect x="{x - 3}" y="{y - 3}" width="30" height="30" rx="8" '
                    f'fill="{MARK_FILL}" stroke="{MARK}" stroke-width="4"/>\n'
                    f'<rect x="{x + 4}" y="{y + 8}" width="16" height="11" rx="2" fill="none" '
                    f'stroke="{MARK}" stroke-width="2.5"/>\n'
                    f'<circle cx="{x + 12}" cy="{y + 13.5}" r="3.5" fill="none" stroke="{MARK}" '
                    'stroke-width="2.5"/>\n'
                )
            else:
                out += (
                    f'<rect x="{x}" y="{y}" width="24" height="24" rx="6" fill="#fff" '
                    f'stroke="{INK}" stroke-width="2"/>\n'
                )
    return out


def camera_app() -> str:
    return _svg("ホーム画面のカメラのアプリ", _phone("iphone", _app_grid((4, 1))))


def _viewfinder(shutter: bool, thumbnail: bool) -> str:
    out = (
        f'<path d="M80 220 L110 170 L130 200 L145 185 L165 220 Z" fill="#cbd2d9" '
        f'stroke="{INK}" stroke-width="2" stroke-linejoin="round"/>\n'
        f'<circle cx="150" cy="120" r="12" fill="#fff" stroke="{INK}" stroke-width="2"/>\n'
        f'<rect x="60" y="280" width="120" height="80" fill="#cbd2d9"/>\n'
    )
    colour, fill, width = (MARK, MARK_FILL, 5) if shutter else (INK, "#fff", 3)
    out += (
        f'<circle cx="120" cy="318" r="20" fill="{fill}" stroke="{colour}" '
        f'stroke-width="{width}"/>\n'
    )
    colour, fill, width = (MARK, MARK_FILL, 4) if thumbnail else (INK, "#fff", 2)
    out += (
        f'<rect x="66" y="305" width="26" height="26" rx="4" fill="{fill}" stroke="{colour}" '
        f'stroke-width="{width}"/>\n'
    )
    return out


def camera_shutter() -> str:
    return _svg(
        "カメラの画面：下の丸いシャッターボタン", _phone("iphone", _viewfinder(True, False))
    )


def camera_thumbnail() -> str:
    return _svg(
        "カメラの画面：シャッターの横の小さな写真", _phone("iphone", _viewfinder(False, True))
    )


def photo_delete() -> str:
    screen = (
        f'<rect x="60" y="110" width="120" height="150" fill="#cbd2d9"/>\n'
        f'<path d="M70 250 L105 190 L125 220 L140 205 L170 250 Z" fill="#9aa5b1"/>\n'
        f'<rect x="60" y="310" width="120" height="50" fill="#fff"/>\n'
        f'<circle cx="156" cy="332" r="16" fill="{MARK_FILL}" stroke="{MARK}" stroke-width="4"/>\n'
        f'<path d="M148 326 h16 M151 326 l1 14 h8 l1 -14 M153 326 v-3 h6 v3" fill="none" '
        f'stroke="{MARK}" stroke-width="2.5" stroke-linejoin="round"/>\n'
        f'<rect x="74" y="324" width="16" height="16" rx="3" fill="none" stroke="{INK}" '
        'stroke-width="2"/>\n'
    )
    return _svg("写真を見る画面：右下のごみ箱のマーク", _phone("iphone", screen))


def _message_screen(marked: str) -> str:
    top_colour, top_fill = (MARK, MARK_FILL) if marked == "sender" else (INK, "#fff")
    out = (
        f'<rect x="60" y="60" width="120" height="44" fill="#fff"/>\n'
        f'<circle cx="120" cy="80" r="13" fill="{top_fill}" stroke="{top_colour}" '
        f'stroke-width="{4 if marked == "sender" else 2}"/>\n'
    )
    menu_colour = MARK if marked == "menu" else INK
    if marked == "menu":
        out += (
            f'<rect x="158" y="66" width="18" height="30" rx="5" fill="{MARK_FILL}" '
            f'stroke="{MARK}" stroke-width="3"/>\n'
        )
    out += "".join(
        f'<circle cx="167" cy="{y}" r="2.5" fill="{menu_colour}"/>\n' for y in (73, 81, 89)
    )
    out += (
        f'<rect x="68" y="130" width="96" height="86" rx="12" fill="#fff" stroke="{INK}" '
        'stroke-width="2"/>\n' + _lines(78, 144, [70, 56, 64])
    )
    link_colour = MARK if marked == "link" else "#1d4ed8"
    out += f'<line x1="78" y1="196" x2="150" y2="196" stroke="{link_colour}" stroke-width="4"/>\n'
    if marked == "link":
        out += (
            f'<circle cx="114" cy="196" r="30" fill="none" stroke="{MARK}" stroke-width="5"/>\n'
            f'<line x1="93" y1="175" x2="135" y2="217" stroke="{MARK}" stroke-width="5"/>\n'
        )
    return out


def sms_link() -> str:
    return _svg(
        "知らない相手からのSMSのリンクは押さない", _phone("android", _message_screen("link"))
    )


def iphone_sms_sender() -> str:
    return _svg(
        "iPhone：メッセージの上の相手のアイコン", _phone("iphone", _message_screen("sender"))
    )


def android_sms_menu() -> str:
    return _svg("Android：メッセージの右上のメニュー", _phone("android", _message_screen("menu")))


DRAWINGS: dict[str, Callable[[], str]] = {
    "iphone-power-off.svg": iphone_power_off,
    "iphone-slide-power.svg": iphone_slide_power,
    "android-power-button.svg": android_power_button,
    "android-power-menu.svg": android_power_menu,
    "iphone-silent-switch.svg": iphone_silent_switch,
    "android-sound-bell.svg": android_sound_bell,
    "camera-app.svg": camera_app,
    "camera-shutter.svg": camera_shutter,
    "camera-thumbnail.svg": camera_thumbnail,
    "photo-delete.svg": photo_delete,
    "sms-link.svg": sms_link,
    "iphone-sms-sender.svg": iphone_sms_sender,
    "android-sms-menu.svg": android_sms_menu,
}


def stale(out: Path = OUT) -> list[str]:
    return [
        name
        for name, draw in DRAWINGS.items()
        if not (out / name).is_file() or (out / name).read_text("utf-8") != draw()
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    if args.check:
        names = stale()
        for name in names:
            print(f"out of date: {name}", file=sys.stderr)
        return 1 if names else 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name, draw in DRAWINGS.items():
        (OUT / name).write_text(draw(), encoding="utf-8")
        print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())

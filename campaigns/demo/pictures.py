"""Pictures of the demo, drawn with Pillow: stand-in photos of activities, a poster and a
courseware PDF, so the demo's files are real images without shipping any."""

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

CJK_FONT_CANDIDATES = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
]


def cjk_font(size):
    """A font that can draw Chinese, or None: then pictures carry shapes and Latin text only."""
    for candidate in CJK_FONT_CANDIDATES:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, size)
    return None


def draw_text(draw, xy, text, latin_fallback, size, fill):
    font = cjk_font(size)
    if font is None:
        text, font = latin_fallback, ImageFont.load_default(size)
    draw.text(xy, text, font=font, fill=fill)


def vertical_gradient(size, top, bottom):
    width, height = size
    image = Image.new("RGB", size, top)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        ratio = y / max(height - 1, 1)
        colour = tuple(round(t + (b - t) * ratio) for t, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (width, y)], fill=colour)
    return image


def render_scene(seed, caption, latin_caption):
    """A stage with a banner and a crowd: a stand-in photo of an on-site activity (JPEG)."""
    palettes = [
        ((118, 172, 224), (222, 238, 250), (196, 40, 40)),
        ((250, 196, 120), (255, 240, 214), (30, 110, 180)),
        ((140, 200, 160), (230, 248, 232), (200, 80, 30)),
    ]
    sky, ground, banner = palettes[seed % len(palettes)]
    image = vertical_gradient((1200, 800), sky, ground)
    draw = ImageDraw.Draw(image)
    draw.rectangle([150, 250, 1050, 520], fill=(90, 70, 60))  # stage
    draw.rectangle([200, 150, 1000, 240], fill=banner)  # banner
    draw_text(draw, (230, 170), caption, latin_caption, 48, (255, 255, 255))
    for index in range(48):  # audience
        x = 60 + (index * 97 + seed * 31) % 1080
        y = 560 + (index * 53) % 200
        colour = ((index * 67) % 200 + 30, (index * 41) % 200 + 30, (index * 29) % 200 + 30)
        draw.ellipse([x, y, x + 36, y + 36], fill=colour)
        draw.rectangle([x + 4, y + 36, x + 32, y + 80], fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue(), image.size


def render_poster(campaign):
    image = vertical_gradient((900, 1273), (32, 150, 110), (220, 246, 230))
    draw = ImageDraw.Draw(image)
    draw.ellipse([560, 80, 820, 340], fill=(255, 210, 80))  # sun
    # A heart made of two circles and a triangle, with a white cross: health.
    draw.ellipse([210, 430, 460, 680], fill=(220, 50, 60))
    draw.ellipse([440, 430, 690, 680], fill=(220, 50, 60))
    # The sides touch both circles at their tangent points, so the outline stays smooth.
    draw.polygon([(237, 633), (335, 555), (565, 555), (663, 633), (450, 900)], fill=(220, 50, 60))
    draw.rectangle([420, 520, 480, 740], fill=(255, 255, 255))
    draw.rectangle([340, 600, 560, 660], fill=(255, 255, 255))
    draw_text(draw, (80, 980), campaign.theme, "Healthy living", 64, (20, 60, 40))
    draw_text(draw, (80, 1080), campaign.host, "Prevention first", 40, (20, 60, 40))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def render_courseware(campaign):
    pages = []
    titles = [
        ("预防为主", "Prevention first"),
        ("勤洗手 常通风", "Wash hands, air rooms"),
        ("接种疫苗 定期体检", "Vaccines and check-ups"),
    ]
    for number, (title, latin) in enumerate(titles, start=1):
        page = Image.new("RGB", (827, 1169), (255, 255, 255))
        draw = ImageDraw.Draw(page)
        draw.rectangle([0, 0, 827, 140], fill=(32, 150, 110))
        draw_text(draw, (60, 40), title, latin, 56, (255, 255, 255))
        for row in range(6):
            top = 220 + row * 140
            draw.ellipse([60, top, 120, top + 60], fill=(220, 50, 60))
            draw.rectangle([150, top + 15, 760 - row * 40, top + 45], fill=(210, 225, 218))
        draw.text((60, 1100), f"{number} / {len(titles)}", font=ImageFont.load_default(24), fill=0)
        pages.append(page)
    buffer = io.BytesIO()
    pages[0].save(buffer, format="PDF", save_all=True, append_images=pages[1:], resolution=100)
    return buffer.getvalue()

#!/usr/bin/python3
# Draws the Service Dispatch Form's Section 2, filled in, as a greyscale page image at a given
# dpi (PIL, real fonts), for the OCR samples. usage: make_form.py OUT.png DPI [handwritten]
import random
import sys

from PIL import Image, ImageDraw, ImageFont

out, dpi = sys.argv[1], int(sys.argv[2])
handwritten = len(sys.argv) > 3 and sys.argv[3] == "handwritten"
px = lambda points: int(round(points * dpi / 72))

SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
SCRIPT = "/usr/share/fonts/opentype/urw-base35/Z003-MediumItalic.otf"

rows = [
    ("Dispatch Number", "7012345678"),
    ("Technician Name", "Mike Ross"),
    ("Date of Service", "11/24/2026"),
    ("Arrival Time", "9:30 AM"),
    ("Completion Time", "11:15 AM"),
    ("Labor Hours", "1.75"),
    ("Problem Found", "Printhead contacts corroded"),
    ("Corrective Action", "Cleaned contacts, replaced printhead"),
    ("Parts Used", "QY6-0083 x1"),
    ("e-Tag Number", "ET4471203"),
    ("Call Status", "Completed"),
]

# 8.5 inches wide, as tall as Section 2 needs (a cropped scan of the form's lower half).
width, height = px(612), px(72 + 30 * len(rows) + 36)
page = Image.new("L", (width, height), 255)
draw = ImageDraw.Draw(page)
title = ImageFont.truetype(BOLD, px(14))
label_font = ImageFont.truetype(SANS, px(11))
value_font = ImageFont.truetype(SANS, px(11))
script_font = ImageFont.truetype(SCRIPT, px(15))

margin = px(54)
draw.text((margin, px(30)), "Canon CITS Service Dispatch Form - Section 2", font=title, fill=0)
draw.line((margin, px(56), width - margin, px(56)), fill=0, width=max(1, px(1)))
rng = random.Random(13)
y = px(72)
for label, value in rows:
    draw.text((margin, y), label + ":", font=label_font, fill=0)
    x = margin + px(150)
    # Section 1's dispatch number is printed by CITS even on a handwritten form.
    if handwritten and label != "Dispatch Number":
        # A pen: a script font, each letter nudged, tilted and thickened a little differently.
        for ch in value:
            glyph = Image.new("L", (px(30), px(34)), 0)
            ImageDraw.Draw(glyph).text((px(4), px(2)), ch, font=script_font, fill=255,
                                       stroke_width=rng.choice([0, 1, 2]), stroke_fill=255)
            glyph = glyph.rotate(rng.uniform(-25, 25), resample=Image.BICUBIC)
            page.paste(0, (x, y - px(6) + rng.randint(-px(3), px(3))), glyph)
            x += int(script_font.getlength(ch) * rng.uniform(0.8, 1.2)) + 1
    else:
        draw.text((x, y), value, font=value_font, fill=0)
    y += px(30)
page.save(out, dpi=(dpi, dpi))

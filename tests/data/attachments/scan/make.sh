#!/bin/sh
# Regenerates the OCR samples (the files are committed; CI does not run this). Needs
# python3-pil, imagemagick, img2pdf, exiftool, fonts-dejavu-core, fonts-urw-base35.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
py=/usr/bin/python3

# (a) a flatbed scan at 300 dpi, greyscale PNG.
$py make_form.py clean_300dpi.png 300

# (b) a 200 dpi scan with sensor noise, fed upside down, JPEG quality 70.
$py make_form.py "$tmp/b.png" 200
convert "$tmp/b.png" -attenuate 0.3 +noise Gaussian -rotate 180 -colorspace Gray \
  -quality 70 -strip noisy_200dpi_upside_down.jpg

# (c) a phone photo: paper lit unevenly, tilted 3 degrees, a slight keystone, the pixels stored
# sideways as the sensor saw them with EXIF Orientation 6 ("turn 90 degrees clockwise"),
# and the camera's nominal 72 dpi.
$py make_form.py "$tmp/c.png" 300
w=$(identify -format %w "$tmp/c.png"); h=$(identify -format %h "$tmp/c.png")
convert "$tmp/c.png" -background 'gray(70%)' -virtual-pixel background \
  -distort Perspective "0,0 45,30  $w,0 $((w-15)),0  0,$h 0,$h  $w,$h $w,$((h-22))" \
  -rotate 3 \( +clone -sparse-color Barycentric '0,0 gray(100%) %w,%h gray(82%)' \) \
  -compose Multiply -composite -attenuate 0.1 +noise Gaussian -rotate -90 -colorspace Gray \
  -density 72 -units PixelsPerInch -quality 70 -strip "$tmp/c.jpg"
exiftool -q -Orientation#=6 -o "$tmp/c6.jpg" "$tmp/c.jpg"
mv "$tmp/c6.jpg" phone_photo_exif6.jpg

# (d) an image-only PDF of the 300 dpi scan, the page stored sideways with /Rotate 90.
convert clean_300dpi.png -rotate -90 "$tmp/d.png"
img2pdf --rotation 90 -o scan_image_only.pdf "$tmp/d.png"

# (e) the printed form with Section 2 "handwritten": a script font, letters jittered.
$py make_form.py handwritten_300dpi.png 300 handwritten

# (f) hostile: a PNG that declares 10000 x 10000 pixels (100 MP) in about 12 KB.
$py make_hostile_png.py hostile_100mp.png

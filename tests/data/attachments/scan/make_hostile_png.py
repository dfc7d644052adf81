#!/usr/bin/python3
# A valid 1-bit PNG of 10000 x 10000 white pixels (100 megapixels) that compresses to ~12 KB:
# what a decompression-bomb image looks like to a reader. usage: make_hostile_png.py OUT.png
import struct
import sys
import zlib

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

side = 10000
row = b"\x00" + b"\xff" * (side // 8)  # filter byte "none", then 10000 white bits
pixels = zlib.compress(row * side, 9)
with open(sys.argv[1], "wb") as out:
    out.write(b"\x89PNG\r\n\x1a\n")
    out.write(chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)))
    out.write(chunk(b"IDAT", pixels))
    out.write(chunk(b"IEND", b""))

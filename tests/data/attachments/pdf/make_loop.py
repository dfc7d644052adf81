#!/usr/bin/python3
# Hostile PDFs with reference loops, written by hand with a correct xref:
#   make_loop.py pages OUT.pdf   the page tree lists itself among its kids
#   make_loop.py fields OUT.pdf  a form field is its own kid and parent, and a form XObject on
#                                the (sound) page draws itself
import sys

mode = sys.argv[1]

objs = {
    1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [5 0 R] >> >>",
    2: b"<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 2 >>" if mode == "pages"
       else b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
       b" /Resources << /Font << /F1 6 0 R >> /XObject << /X 7 0 R >> >> /Annots [5 0 R] >>",
    5: b"<< /T (Loop) /FT /Tx /V (looped) /Kids [5 0 R] /Parent 5 0 R /Subtype /Widget"
       b" /Rect [200 600 400 620] /P 3 0 R >>",
    6: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
}
content = b"BT /F1 12 Tf 72 700 Td (Technician Name: Loop Test) Tj ET /X Do"
xobject = b"/X Do"
streams = {
    4: (b"<< /Length %d >>" % len(content), content),
    7: (b"<< /Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /XObject << /X 7 0 R"
        b" >> >> /Length %d >>" % len(xobject), xobject),
}
out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
offsets = {}
for n in range(1, 8):
    offsets[n] = len(out)
    if n in objs:
        out += b"%d 0 obj\n" % n + objs[n] + b"\nendobj\n"
    else:
        d, s = streams[n]
        out += b"%d 0 obj\n" % n + d + b"\nstream\n" + s + b"\nendstream\nendobj\n"
xref = len(out)
out += b"xref\n0 8\n0000000000 65535 f \n"
for n in range(1, 8):
    out += b"%010d 00000 n \n" % offsets[n]
out += b"trailer\n<< /Size 8 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
open(sys.argv[2], "wb").write(out)

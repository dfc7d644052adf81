#!/usr/bin/python3
# make_tiny.py OUT.pdf        one tiny page (1 x 1 inch) with a line of text, repeated 5,000
#                             times by make.sh
# make_tiny.py OUT.pdf blank  one letter-size page with nothing on it, as a scan's text layer is
import sys
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas
blank = len(sys.argv) > 2 and sys.argv[2] == "blank"
c = canvas.Canvas(sys.argv[1], pagesize=letter if blank else (72, 72), invariant=1)
if not blank:
    c.setFont("Helvetica", 6)
    c.drawString(4, 36, "Appendix: parts catalogue")
c.showPage()
c.save()

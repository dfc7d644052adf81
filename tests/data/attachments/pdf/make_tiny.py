#!/usr/bin/python3
# One tiny page (1 x 1 inch) with a line of text: the page make.sh repeats 5,000 times.
import sys
from reportlab.pdfgen import canvas
c = canvas.Canvas(sys.argv[1], pagesize=(72, 72), invariant=1)
c.setFont("Helvetica", 6)
c.drawString(4, 36, "Appendix: parts catalogue")
c.showPage()
c.save()

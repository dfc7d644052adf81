#!/bin/sh
# Regenerates the fillable Service Dispatch Form used by the close-out tests (not run by CI;
# the PDF is committed). Needs python3-reportlab.
set -e
cd "$(dirname "$0")"
/usr/bin/python3 - <<'PY'
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

c = canvas.Canvas("fillable-dispatch-form.pdf", pagesize=letter)
c.setTitle("Service Dispatch Form")
c.setFont("Helvetica-Bold", 16)
c.drawString(72, 740, "SERVICE DISPATCH FORM")
form = c.acroForm
y = 700
c.setFont("Helvetica-Bold", 11)
c.drawString(72, y, "SECTION 1 - DISPATCH INFORMATION (completed by CITS)")
section1 = [("Dispatch Number", "DispatchNumber", "4417702"),
            ("Model", "Model", "imagePROGRAF iPF685"),
            ("Serial Number", "SerialNumber", "AAJ04417"),
            ("Customer Name", "CustomerName", "Lakeside Architects LLP")]
c.setFont("Helvetica", 10)
for label, name, value in section1:
    y -= 24
    c.drawString(72, y + 4, label)
    form.textfield(name=name, value=value, x=220, y=y, width=300, height=18, fontSize=10,
                   borderWidth=1)
y -= 40
c.setFont("Helvetica-Bold", 11)
c.drawString(72, y, "SECTION 2 - SERVICE COMPLETION (completed by Service Provider)")
section2 = [("Technician Name", "TechnicianName"), ("Date of Service", "DateOfService"),
            ("Arrival Time", "ArrivalTime"), ("Completion Time", "CompletionTime"),
            ("Labor Hours", "LaborHours"), ("Problem Found", "ProblemFound"),
            ("Corrective Action", "CorrectiveAction"), ("Parts Used", "PartsUsed"),
            ("e-Tag Number", "eTagNumber")]
c.setFont("Helvetica", 10)
for label, name in section2:
    y -= 24
    c.drawString(72, y + 4, label)
    form.textfield(name=name, value="", x=220, y=y, width=300, height=18, fontSize=10,
                   borderWidth=1)
y -= 28
c.drawString(72, y + 4, "Call Status")
c.drawString(245, y + 4, "Completed")
form.radio(name="CallStatus", value="Completed", selected=False, x=220, y=y, size=14)
c.drawString(345, y + 4, "Pending")
form.radio(name="CallStatus", value="Pending", selected=False, x=320, y=y, size=14)
y -= 28
c.drawString(72, y + 4, "Technician signed")
form.checkbox(name="TechnicianSigned", checked=False, x=220, y=y, size=14)
c.showPage()
c.save()
PY

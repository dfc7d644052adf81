#!/usr/bin/python3
# The CITS Service Dispatch Form as a fillable PDF (reportlab's AcroForm API): Section 1
# printed as a label/value table, Section 2 printed labels with empty form fields beside them.
#   make_form.py acrobat OUT.pdf    field names as Acrobat's field detection gives them
#   make_form.py livecycle OUT.pdf  flat LiveCycle-like names (make.sh nests them with qpdf)
import sys
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

SECTION1 = [
    ("Dispatch Number:", "7012345678"),
    ("Dispatch Date:", "11/23/2026"),
    ("Service Provider:", "Acme Office Systems"),
    ("Model:", "imagePROGRAF iPF685"),
    ("Serial Number:", "AA512389"),
    ("Customer Name:", "Lakeside Architects LLP"),
    ("Customer Address:", "12 Harbor Rd, Ossining, NY 10562"),
    ("Contact Name:", "Dana Whitfield"),
    ("Contact Phone:", "(914) 555-0142"),
    ("Warranty Status:", "In Warranty"),
    ("Problem Description:", "Error E194-403a at power on."),
]

# (printed label, Acrobat name, LiveCycle name)
SECTION2 = [
    ("Technician Name:", "Technician Name", "TechnicianName"),
    ("Date of Service:", "Date of Service", "DateOfService"),
    ("Arrival Time:", "Arrival Time", "ArrivalTime"),
    ("Completion Time:", "Completion Time", "CompletionTime"),
    ("Labor Hours:", "Labor Hours", "LaborHours"),
    ("Problem Found:", "Problem Found", "ProblemFound"),
    ("Corrective Action:", "Corrective Action", "CorrectiveAction"),
    ("Parts Used:", "Parts Used", "PartsUsed"),
    ("e-Tag Number:", "eTag Number", "ETagNumber"),
    ("Meter Reading:", "Meter Reading", "MeterReading"),
]


def main(style, out):
    c = canvas.Canvas(out, pagesize=letter, invariant=1)
    c.setTitle("Canon CITS Service Dispatch Form")
    form = c.acroForm
    y = 740
    c.setFont("Helvetica-Bold", 14)
    c.drawString(54, y, "SERVICE DISPATCH FORM")
    y -= 28
    c.setFont("Helvetica-Bold", 11)
    c.drawString(54, y, "SECTION 1 - DISPATCH INFORMATION (completed by CITS)")
    y -= 20
    for label, value in SECTION1:
        c.setFont("Helvetica-Bold", 10)
        c.drawString(54, y, label)
        c.setFont("Helvetica", 10)
        c.drawString(200, y, value)
        y -= 16
    y -= 16
    c.setFont("Helvetica-Bold", 11)
    c.drawString(54, y, "SECTION 2 - SERVICE COMPLETION (completed by Service Provider)")
    y -= 24
    for label, acrobat, livecycle in SECTION2:
        c.setFont("Helvetica-Bold", 10)
        c.drawString(54, y, label)
        if style == "livecycle" and livecycle == "LaborHours":
            form.choice(name=livecycle, value=[""], options=["", "0.5", "1.0", "1.5", "2.0", "2.5",
                        "3.0", "4.0"], x=200, y=y - 4, width=80, height=16, fontSize=10,
                        borderWidth=1)
        else:
            form.textfield(name=acrobat if style == "acrobat" else livecycle, value="", x=200,
                           y=y - 4, width=340, height=16, fontSize=10, borderWidth=1)
        y -= 22
    c.setFont("Helvetica-Bold", 10)
    c.drawString(54, y, "Call Status:")
    c.setFont("Helvetica", 10)
    if style == "acrobat":
        form.radio(name="Call Status", value="Completed", selected=False, x=200, y=y - 3, size=12)
        form.radio(name="Call Status", value="Pending", selected=False, x=300, y=y - 3, size=12)
    else:
        form.checkbox(name="Completed", checked=False, x=200, y=y - 3, size=12)
        form.checkbox(name="Pending", checked=False, x=300, y=y - 3, size=12)
    c.drawString(216, y, "Completed")
    c.drawString(316, y, "Pending")
    c.showPage()
    c.save()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

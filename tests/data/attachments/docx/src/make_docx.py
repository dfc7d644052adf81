#!/usr/bin/env python3
"""The hand-made .docx files of this folder (see README.md): a Word 2016+ style document with
content controls, one with Word's legacy form fields, and the hostile archives. Standard parts
only: [Content_Types].xml, _rels/.rels, word/document.xml."""
import sys
import zipfile
from pathlib import Path

OUT = Path(sys.argv[1] if len(sys.argv) > 1 else ".")

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>')
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    '<w:document xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" '
    'xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml" mc:Ignorable="w14 w15">'
    '<w:body>')
TAIL = ('<w:sectPr><w:pgSz w:w="12240" w:h="15840"/><w:pgMar w:top="1440" w:right="1440" '
        'w:bottom="1440" w:left="1440" w:header="720" w:footer="720" w:gutter="0"/></w:sectPr>'
        '</w:body></w:document>')


def docx(name, document, extra=()):
    with zipfile.ZipFile(OUT / name, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("word/document.xml", document)
        for n, data in extra:
            z.writestr(n, data)


def p(text):
    return f'<w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def run(text):
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


# ------------------------------------------------------------------ content controls
SDT_ID = [100]


def sdt_pr(alias, tag, kind="<w:text/>", placeholder=False):
    SDT_ID[0] += 1
    pr = '<w:sdtPr><w:rPr><w:rStyle w:val="Strong"/></w:rPr>'
    if alias:
        pr += f'<w:alias w:val="{alias}"/>'
    if tag:
        pr += f'<w:tag w:val="{tag}"/>'
    pr += f'<w:id w:val="-{SDT_ID[0] * 7919}"/>'
    if placeholder:
        pr += '<w:placeholder><w:docPart w:val="DefaultPlaceholder_-1854013440"/></w:placeholder><w:showingPlcHdr/>'
    pr += '<w15:appearance w15:val="boundingBox"/>' + kind + '</w:sdtPr>'
    return pr


def inline_sdt(alias, tag, text, kind="<w:text/>", placeholder=False):
    style = '<w:rPr><w:rStyle w:val="PlaceholderText"/></w:rPr>' if placeholder else ''
    return (f'<w:sdt>{sdt_pr(alias, tag, kind, placeholder)}<w:sdtEndPr/><w:sdtContent>'
            f'<w:r>{style}<w:t xml:space="preserve">{text}</w:t></w:r></w:sdtContent></w:sdt>')


def cell(inner, width=4675):
    return f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>{inner}</w:tc>'


def row(*cells):
    return '<w:tr>' + ''.join(cells) + '</w:tr>'


def table(*rows):
    return ('<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/>'
            '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" '
            'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>'
            '<w:gridCol w:w="4675"/><w:gridCol w:w="4675"/></w:tblGrid>' + ''.join(rows) + '</w:tbl>')


DATE = ('<w:date w:fullDate="2026-11-24T00:00:00Z"><w:dateFormat w:val="M/d/yyyy"/>'
        '<w:lid w:val="en-US"/><w:storeMappedDataAs w:val="dateTime"/><w:calendar w:val="gregorian"/></w:date>')
DROPDOWN = ('<w:dropDownList><w:listItem w:value="Choose an item."/>'
            '<w:listItem w:displayText="Completed" w:value="Completed"/>'
            '<w:listItem w:displayText="Pending" w:value="Pending"/></w:dropDownList>')


def checkbox(checked):
    return (f'<w14:checkbox><w14:checked w14:val="{1 if checked else 0}"/>'
            '<w14:checkedState w14:val="2612" w14:font="MS Gothic"/>'
            '<w14:uncheckedState w14:val="2610" w14:font="MS Gothic"/></w14:checkbox>')


parts_block = (f'<w:sdt>{sdt_pr("Parts Used", "parts_used", "")}<w:sdtEndPr/><w:sdtContent>'
               + p("QY6-0083 x1") + p("FM4-8400 x2") + '</w:sdtContent></w:sdt>')

content_controls = (
    HEAD + p("Section 2 - Technician") +
    table(
        row(cell(p("Technician Name")),
            cell('<w:p>' + inline_sdt("Technician Name", "technician_name", "Mike Ross") + '</w:p>')),
        row(cell(p("Date of Service")),
            cell('<w:p>' + inline_sdt("Date of Service", "service_date", "11/24/2026", DATE) + '</w:p>')),
        row(cell(p("Arrival Time")),
            cell('<w:p>' + inline_sdt("Arrival Time", "ArrivalTime", "9:30 AM") + '</w:p>')),
        row(cell(p("Completion Time")),
            cell('<w:p>' + inline_sdt("Completion Time", "completion_time",
                                      "Click or tap here to enter text.", placeholder=True) + '</w:p>')),
        row(cell(p("Parts Used")), cell(parts_block)),
        row(cell(p("e-Tag Number")),
            cell('<w:p>' + inline_sdt("", "", "ET4471203") + '</w:p>')),
        row(cell(p("Call Status")),
            cell('<w:p>' + inline_sdt("Call Status", "call_status", "Completed", DROPDOWN) + '</w:p>')),
    ) +
    '<w:p>' + run("Parts returned ") + inline_sdt("", "parts_returned", "\u2612", checkbox(True)) +
    run("  Follow-up needed ") + inline_sdt("Follow-up needed", "", "\u2610", checkbox(False)) + '</w:p>' +
    TAIL)
docx("content-controls.docx", content_controls)

# ------------------------------------------------------------------ legacy form fields (Word 97-2003)


def fld(name, kind, result=""):
    begin = (f'<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="{name}"/><w:enabled/>'
             f'<w:calcOnExit w:val="0"/>{kind}</w:ffData></w:fldChar></w:r>')
    code = "FORMCHECKBOX" if "checkBox" in kind else "FORMDROPDOWN" if "ddList" in kind else "FORMTEXT"
    out = begin + f'<w:r><w:instrText xml:space="preserve"> {code} </w:instrText></w:r>'
    if code == "FORMTEXT":
        out += '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        out += f'<w:r><w:rPr><w:noProof/></w:rPr><w:t xml:space="preserve">{result}</w:t></w:r>'
    elif code == "FORMDROPDOWN":
        out += '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
    return out + '<w:r><w:fldChar w:fldCharType="end"/></w:r>'


EMPTY = "\u2002" * 5  # what Word shows in an empty text form field
legacy = (
    HEAD + p("Section 2 - Technician") +
    '<w:p>' + run("Technician Name: ") + fld("Text1", "<w:textInput/>", "Mike Ross") + '</w:p>' +
    '<w:p>' + run("Date of Service: ") +
    fld("ServiceDate", '<w:textInput><w:type w:val="date"/><w:format w:val="M/d/yyyy"/></w:textInput>',
        "11/24/2026") + '</w:p>' +
    '<w:p>' + run("Meter Reading: ") + fld("MeterReading", "<w:textInput/>", EMPTY) + '</w:p>' +
    '<w:p>' + run("Call Status: ") +
    fld("CallStatus", '<w:ddList><w:result w:val="1"/><w:listEntry w:val="Pending"/>'
        '<w:listEntry w:val="Completed"/></w:ddList>') + '</w:p>' +
    '<w:p>' + run("Parts returned ") +
    fld("Check1", '<w:checkBox><w:sizeAuto/><w:default w:val="0"/><w:checked/></w:checkBox>') +
    run(" Follow-up needed ") +
    fld("Check2", '<w:checkBox><w:sizeAuto/><w:default w:val="1"/><w:checked w:val="0"/></w:checkBox>') +
    run(" Customer signed ") +
    fld("Check3", '<w:checkBox><w:sizeAuto/><w:default w:val="1"/></w:checkBox>') + '</w:p>' +
    TAIL)
docx("word-legacy-fields.docx", legacy)

# ------------------------------------------------------------------ hostile
# Zip bombs: spaces deflate about 1000:1.
for name, megabytes in (("bomb-100mb.docx", 100), ("bomb-15mb.docx", 15)):
    docx(name, HEAD + " " * (megabytes * 1024 * 1024) + TAIL)

# 5,000 entries of nothing, stored, with three-character names to keep the file small.
ALPHA = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
with zipfile.ZipFile(OUT / "many-entries.docx", "w", zipfile.ZIP_STORED) as z:
    z.writestr("word/document.xml", HEAD + p("x") + TAIL)
    for i in range(5000):
        z.writestr(ALPHA[i // 3844] + ALPHA[i // 62 % 62] + ALPHA[i % 62], b"")

XXE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\r\n'
    '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    + HEAD[HEAD.index("<w:document"):] + p("Technician Name: &xxe;") + TAIL)
docx("xxe.docx", XXE)

# A document.xml of 30 MB whose sizes in both directory records are rewritten to 1,000 bytes.
docx("lying-size.docx", HEAD + " " * (30 * 1024 * 1024) + TAIL)
data = bytearray((OUT / "lying-size.docx").read_bytes())
with zipfile.ZipFile(OUT / "lying-size.docx") as z:
    info = z.getinfo("word/document.xml")
real = (info.file_size).to_bytes(4, "little")
fake = (1000).to_bytes(4, "little")
lh = info.header_offset
assert data[lh + 22:lh + 26] == real
data[lh + 22:lh + 26] = fake
# Every central directory record: patch the one naming word/document.xml.
pos = 0
while True:
    pos = data.find(b"PK\x01\x02", pos)
    if pos < 0:
        break
    name_len = int.from_bytes(data[pos + 28:pos + 30], "little")
    if data[pos + 46:pos + 46 + name_len] == b"word/document.xml":
        assert data[pos + 24:pos + 28] == real
        data[pos + 24:pos + 28] = fake
    pos += 4
(OUT / "lying-size.docx").write_bytes(bytes(data))

whole = (OUT / "table-form.docx").read_bytes()
(OUT / "truncated.docx").write_bytes(whole[:len(whole) * 6 // 10])

with zipfile.ZipFile(OUT / "no-document.docx", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", CONTENT_TYPES)
    z.writestr("_rels/.rels", RELS)

#!/usr/bin/env python3
"""winmail.dat files for the TNEF reader, written to [MS-OXTNEF] (no Outlook here to make them):
see README.md. Run from this folder: python3 make_tnef.py"""
import struct
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOCX = (HERE / "../docx/table-form.docx").read_bytes()

LVL_MESSAGE, LVL_ATTACHMENT = 1, 2
atpString, atpText, atpByte, atpWord, atpDword = 0x0001, 0x0002, 0x0006, 0x0007, 0x0008
PT_LONG, PT_BOOLEAN, PT_STRING8, PT_UNICODE, PT_BINARY, PT_SYSTIME = 0x3, 0xB, 0x1E, 0x1F, 0x102, 0x40
PS_PUBLIC_STRINGS = bytes.fromhex("2908020000000000c000000000000046")


def attribute(level, atp, ident, data):
    return (struct.pack("<BII", level, (atp << 16) | ident, len(data)) + data +
            struct.pack("<H", sum(data) & 0xFFFF))


def pad(b):
    return b + b"\0" * (-len(b) % 4)


def prop(ptype, ident, value, name=None):
    """One encapsulated MAPI property ([MS-OXTNEF] 2.1.3.4): a single value."""
    out = struct.pack("<HH", ptype, ident)
    if name is not None:  # named property, by string name
        n = (name + "\0").encode("utf-16le")
        out += PS_PUBLIC_STRINGS + struct.pack("<II", 1, len(n)) + pad(n)
    if ptype in (PT_STRING8, PT_UNICODE, PT_BINARY):
        out += struct.pack("<II", 1, len(value)) + pad(value)
    elif ptype == PT_SYSTIME:
        out += value
    else:
        out += pad(value)
    return out


def props(*items):
    return struct.pack("<I", len(items)) + b"".join(items)


def u16(s):
    return (s + "\0").encode("utf-16le")


def s8(s):
    return s.encode("cp1252") + b"\0"


def stream(*attrs):
    return struct.pack("<IH", 0x223E9F78, 0x0001) + b"".join(attrs)


HEADER = [
    attribute(LVL_MESSAGE, atpDword, 0x9006, struct.pack("<I", 0x00010000)),  # attTnefVersion
    attribute(LVL_MESSAGE, atpByte, 0x9007, struct.pack("<II", 1252, 0)),      # attOemCodepage
    attribute(LVL_MESSAGE, atpWord, 0x8008, b"IPM.Microsoft Mail.Note\0"),     # attMessageClass
    attribute(LVL_MESSAGE, atpString, 0x8004, b"RE: Service Dispatch 7012345678\0"),  # attSubject
]
RENDDATA = struct.pack("<HIHHI", 1, 0xFFFFFFFF, 0, 0, 1)  # atyp file, position, flags


def file_attachment(short_name, data, attach_props):
    return [
        attribute(LVL_ATTACHMENT, atpByte, 0x9002, RENDDATA),          # attAttachRenddata
        attribute(LVL_ATTACHMENT, atpString, 0x8010, s8(short_name)),  # attAttachTitle
        attribute(LVL_ATTACHMENT, atpByte, 0x800F, data),              # attAttachData
        attribute(LVL_ATTACHMENT, atpByte, 0x9005, attach_props),      # attAttachment
    ]


DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
note = "Parts list for the van.\r\n".encode("cp1252")

# Outlook 2003 style: the body in attBody, 8-bit names.
winmail_docx = stream(
    *HEADER,
    attribute(LVL_MESSAGE, atpText, 0x800C, s8("Hi,\r\n\r\nSection 2 is in the attached form.\r\n\r\nMike")),
    *file_attachment("TABLE-~1.DOC", DOCX, props(
        prop(PT_LONG, 0x3705, struct.pack("<I", 1)),                # PR_ATTACH_METHOD: by value
        prop(PT_STRING8, 0x3707, s8("table-form.docx")),            # PR_ATTACH_LONG_FILENAME
        prop(PT_STRING8, 0x370E, s8(DOCX_MIME)))),                  # PR_ATTACH_MIME_TAG
    *file_attachment("PARTS.TXT", note, props(
        prop(PT_STRING8, 0x3707, s8("parts.txt")))),
)
(HERE / "winmail-docx.dat").write_bytes(winmail_docx)

# Newer Outlook: no attBody, the body as PR_BODY (UTF-16) among the message properties after a
# named property and a time, and the file's long name in UTF-16 with an accent.
winmail_unicode = stream(
    *HEADER,
    attribute(LVL_MESSAGE, atpByte, 0x9003, props(             # attMsgProps
        prop(PT_BOOLEAN, 0x000B, struct.pack("<H", 1)),        # PR_ALTERNATE_RECIPIENT_ALLOWED
        prop(PT_SYSTIME, 0x0039, struct.pack("<Q", 134070000000000000)),  # PR_CLIENT_SUBMIT_TIME
        prop(PT_UNICODE, 0x8001, u16("closeoutd"), name="x-mailer-note"),
        prop(PT_UNICODE, 0x1000, u16("Formulaire ci-joint, réparé.")))),  # PR_BODY
    *file_attachment("FORMUL~1.DOC", DOCX, props(
        prop(PT_UNICODE, 0x3707, u16("Formulaire réparé.docx")))),
)
(HERE / "winmail-unicode.dat").write_bytes(winmail_unicode)

# A winmail.dat inside a winmail.dat, next to a .docx: the inner one is listed, not opened.
(HERE / "winmail-nested.dat").write_bytes(stream(
    *HEADER,
    *file_attachment("WINMAIL.DAT", winmail_docx, props(prop(PT_STRING8, 0x3707, s8("winmail.dat")))),
    *file_attachment("TABLE-~1.DOC", DOCX, props(prop(PT_STRING8, 0x3707, s8("table-form.docx")))),
))

# Cut inside the .docx's attAttachData: the body before it is kept, the file has no data.
(HERE / "winmail-truncated.dat").write_bytes(winmail_docx[:len(winmail_docx) // 2])

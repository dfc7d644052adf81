#!/usr/bin/python3
# Edits a PDF's AcroForm through qpdf's JSON (qpdf --json-output / --json-input), the way the
# test forms are turned into what Acrobat, LiveCycle and a technician's PDF app produce.
#   pdf_fields.py nest IN.pdf OUT.pdf PREFIX...   nest every top-level field under PREFIX parts
#        ("topmostSubform[0]" "Page1[0]"), each name given "[0]", as LiveCycle names them
#   pdf_fields.py fill IN.pdf OUT.pdf NAME=VALUE...  set values (full names); a check box or
#        radio group takes the state name; appearances are then made by qpdf
#        --generate-appearances, as a PDF viewer does when it saves a filled form
import json
import subprocess
import sys
import tempfile


def load(path):
    out = subprocess.run(["qpdf", "--json-output", path, "-"], check=True,
                         capture_output=True).stdout
    return json.loads(out)


def save(doc, path, generate_appearances=False):
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        json.dump(doc, f)
        f.flush()
        raw = path + ".tmp" if generate_appearances else path
        subprocess.run(["qpdf", "--json-input", "--deterministic-id", f.name, raw], check=True)
    if generate_appearances:
        subprocess.run(["qpdf", "--generate-appearances", "--deterministic-id", raw, path],
                       check=True)
        subprocess.run(["rm", "-f", raw], check=True)


def objects(doc):
    return doc["qpdf"][1]


def obj(doc, ref):
    return objects(doc)["obj:" + ref]["value"]


def acroform(doc):
    root = obj(doc, objects(doc)["trailer"]["value"]["/Root"])
    form = root["/AcroForm"]
    return obj(doc, form) if isinstance(form, str) else form


def new_ref(doc):
    n = max(int(k.split()[0][4:]) for k in objects(doc) if k.startswith("obj:")) + 1
    return "%d 0 R" % n


def nest(doc, prefixes):
    form = acroform(doc)
    fields = form["/Fields"]
    parent = None
    top = None
    for p in prefixes:
        ref = new_ref(doc)
        node = {"/T": "u:" + p, "/Kids": []}
        if parent:
            node["/Parent"] = parent
            obj(doc, parent)["/Kids"].append(ref)
        objects(doc)["obj:" + ref] = {"value": node}
        top = top or ref
        parent = ref
    for ref in fields:
        field = obj(doc, ref)
        field["/T"] = field["/T"] + "[0]"
        field["/Parent"] = parent
        obj(doc, parent)["/Kids"].append(ref)
    form["/Fields"] = [top]


def full_names(doc):
    names = {}

    def walk(ref, prefix):
        field = obj(doc, ref)
        name = prefix
        if "/T" in field:
            part = field["/T"][2:]
            name = prefix + "." + part if prefix else part
        kids = [k for k in field.get("/Kids", []) if "/T" in obj(doc, k)]
        if kids:
            for k in kids:
                walk(k, name)
        else:
            names[name] = ref

    for ref in acroform(doc)["/Fields"]:
        walk(ref, "")
    return names


def on_states(widget):
    return [s for s in widget.get("/AP", {}).get("/N", {}) if s != "/Off"]


def fill(doc, values):
    names = full_names(doc)
    for item in values:
        name, value = item.split("=", 1)
        field = obj(doc, names[name])
        ft = field.get("/FT")
        if ft == "/Btn":
            state = "/" + value
            field["/V"] = state
            widgets = [obj(doc, k) for k in field.get("/Kids", [])] or [field]
            for w in widgets:
                w["/AS"] = state if state in on_states(w) else "/Off"
        else:
            field["/V"] = "u:" + value
            field.pop("/I", None)  # a choice's selected index would contradict the new value
    acroform(doc)["/NeedAppearances"] = True


def main():
    op, src, dst = sys.argv[1:4]
    doc = load(src)
    if op == "nest":
        nest(doc, sys.argv[4:])
        save(doc, dst)
    elif op == "fill":
        fill(doc, sys.argv[4:])
        save(doc, dst, generate_appearances=True)
    else:
        sys.exit("unknown operation " + op)


if __name__ == "__main__":
    main()

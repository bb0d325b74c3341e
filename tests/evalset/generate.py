#!/usr/bin/env python3
"""Render the labelled evaluation set: business documents of every PRIMARY family in the
registry, in English, French, German, Spanish and Italian, as text PDFs, scans (image-only PDFs)
and phone photos (JPEG: a slight rotation, blur, noise, an EXIF orientation), labelled by
construction; plus three real documents from the invoice2data sdist (PyPI, MIT licence),
labelled by hand.

    tests/evalset/generate.sh            # a venv with pinned wheels, the pinned sdist, this script

Deterministic: the same seed gives the same documents. Writes, next to this script:
    labels.json                 what the bench scores: per document its business, family,
                                expected PRIMARY (primary_any_of), header fields, lines and the
                                PRIMARY action's required Stage 2 fields
    pdf/ scan/ photo/ real/     the documents
"""

import datetime as dt
import io
import json
import os
import random
import sys

from PIL import Image, ImageFilter
import pypdfium2
from reportlab.lib.pagesizes import A4, letter
from reportlab.pdfgen import canvas

import words as W

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20261201


# ---------------------------------------------------------------- numbers, dates

def money(x, lang):
    s = f"{abs(x):,.2f}"
    if lang in ("fr",):
        s = s.replace(",", " ").replace(".", ",")
    elif lang in ("de", "es", "it", "nl"):
        s = s.replace(",", "X").replace(".", ",").replace("X", ".")
    return ("-" if x < 0 else "") + s


def with_currency(x, cur, lang):
    m = money(x, lang)
    sym = {"USD": "$", "GBP": "£", "EUR": "€"}[cur]
    if cur == "USD" or (cur == "GBP" and lang == "en"):
        return f"{sym}{m}"
    return f"{m} {sym}"


def date_text(d, lang, style, country="US"):
    if lang == "en" and style == 0:
        return d.strftime("%b %-d, %Y")
    if lang == "en" and style == 1:
        # The United States write month first; Britain day first.
        return d.strftime("%m/%d/%Y" if country == "US" else "%d/%m/%Y")
    if lang == "en":
        return d.strftime("%Y-%m-%d")
    if style == 0:
        return f"{d.day} {W.MONTHS[lang][d.month - 1]} {d.year}"
    sep = "." if lang == "de" else "/"
    return d.strftime(f"%d{sep}%m{sep}%Y")


# ---------------------------------------------------------------- the document model

class Doc:
    """Everything a document prints, and its labels."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


def make_lines(rng, pool, n, tax_rate):
    lines = []
    for entry in rng.sample(pool, min(n, len(pool))):
        desc, (lo, hi) = entry[0], entry[1]
        qty = rng.choice([1, 1, 1, 2, 3, 4, 5, 10, 12])
        price = round(rng.uniform(lo, hi), 2)
        line = {"description": desc, "quantity": qty, "unit_price": price, "amount": round(qty * price, 2)}
        if len(entry) > 2:
            line["account"] = entry[2]
        lines.append(line)
    sub = round(sum(l["amount"] for l in lines), 2)
    tax = round(sub * tax_rate / 100, 2)
    return lines, sub, tax, round(sub + tax, 2)


# ---------------------------------------------------------------- drawing

class Page:
    def __init__(self, path, size):
        self.c = canvas.Canvas(path, pagesize=size)
        self.w, self.h = size
        self.c.setTitle("document")

    def text(self, x, y, s, size=10, bold=False, right=False):
        self.c.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        if right:
            self.c.drawRightString(x, y, s)
        else:
            self.c.drawString(x, y, s)

    def line(self, x1, y1, x2, y2):
        self.c.line(x1, y1, x2, y2)

    def save(self):
        self.c.showPage()
        self.c.save()


def draw_party_block(p, x, y, label, party, size=10):
    if label:
        p.text(x, y, label, size, bold=True)
        y -= size + 4
    p.text(x, y, party["name"], size, bold=not label)
    for a in party["address"]:
        y -= size + 3
        p.text(x, y, a, size)
    return y


def draw_statement(p, d, y, lang):
    cols = W.STATEMENT_COLUMNS[lang]
    p.text(50, y, cols[1], 9, bold=True)
    p.text(130, y, cols[0], 9, bold=True)
    p.text(430, y, cols[2], 9, bold=True, right=True)
    p.text(p.w - 50, y, cols[3], 9, bold=True, right=True)
    y -= 4
    p.line(50, y, p.w - 50, y)
    y -= 14
    for r in d.statement:
        p.text(50, y, date_text(r["date"], lang, 1 if lang != "en" else 2, d.country), 9)
        p.text(130, y, r["description"], 9)
        p.text(430, y, money(r["amount"], lang), 9, right=True)
        p.text(p.w - 50, y, money(r["balance"], lang), 9, right=True)
        y -= 14
    return y - 16


def draw_quantities(p, d, y, lang):
    cols = W.COLUMNS[lang][0]
    p.text(50, y, cols[0], 9, bold=True)
    p.text(p.w - 50, y, cols[1], 9, bold=True, right=True)
    y -= 18
    for l in d.lines:
        p.text(50, y, l["description"], 9)
        p.text(p.w - 50, y, f"{l['quantity']:g}", 9, right=True)
        y -= 14
    return y - 16


def draw_table(p, d, y, lang, style):
    cols = W.COLUMNS[lang][style % len(W.COLUMNS[lang])]
    xs = [50, 300, 390, p.w - 50]
    p.text(xs[0], y, cols[0], 9, bold=True)
    p.text(xs[1], y, cols[1], 9, bold=True)
    p.text(xs[2] + 60, y, cols[2], 9, bold=True, right=True)
    p.text(xs[3], y, cols[3], 9, bold=True, right=True)
    y -= 4
    p.line(50, y, p.w - 50, y)
    y -= 14
    for l in d.lines:
        p.text(xs[0], y, l["description"], 9)
        p.text(xs[1], y, f"{l['quantity']:g}", 9)
        p.text(xs[2] + 60, y, with_currency(l["unit_price"], d.currency, lang), 9, right=True)
        p.text(xs[3], y, with_currency(l["amount"], d.currency, lang), 9, right=True)
        y -= 14
        if l.get("note"):
            p.text(xs[0] + 10, y, l["note"], 8)
            y -= 12
    y -= 4
    p.line(300, y, p.w - 50, y)
    return y - 16


def draw_totals(p, d, y, lang):
    t = W.TOTALS[lang]
    rows = [(t["subtotal"], d.subtotal)]
    if d.tax_rate:
        rows.append((t["tax"].format(rate=f"{d.tax_rate:g}"), d.tax))
    rows.append((t["total"], d.total))
    for label, v in rows:
        p.text(420, y, label, 10, bold=label == t["total"], right=True)
        p.text(p.w - 50, y, with_currency(v, d.currency, lang), 10, bold=label == t["total"], right=True)
        y -= 16
    return y


def render(d, path):
    """Draw document `d` as a one-page PDF at `path`."""
    lang = d.lang
    p = Page(path, letter if d.country == "US" else A4)
    top = p.h - 60
    issuer, recipient = d.issuer, d.recipient
    # Letterhead: the issuer's name and address, left or centred.
    if d.style % 2 == 0:
        y = draw_party_block(p, 50, top, None, issuer, 11)
        p.text(p.w - 50, top, d.title, 18, bold=True, right=True)
    else:
        p.text(p.w / 2 - 80, top, d.title, 18, bold=True)
        y = draw_party_block(p, 50, top - 30, None, issuer, 10)
    # Reference block on the right.
    ry = top - 40
    for label, value in d.header:
        p.text(p.w - 200, ry, label, 9)
        p.text(p.w - 50, ry, value, 9, right=True)
        ry -= 14
    y = min(y, ry) - 30
    if recipient is not None:
        y = draw_party_block(p, 50, y, d.recipient_label, recipient, 10) - 30
    if d.intro:
        for l in d.intro:
            p.text(50, y, l, 10)
            y -= 14
        y -= 10
    if getattr(d, "statement", None):
        y = draw_statement(p, d, y, lang)
    elif d.lines and not getattr(d, "prices", True):
        y = draw_quantities(p, d, y, lang)
    elif d.lines:
        y = draw_table(p, d, y, lang, d.style)
        y = draw_totals(p, d, y, lang)
    y -= 10
    for l in d.footer:
        p.text(50, y, l, 9)
        y -= 13
    if d.stamp:
        p.c.saveState()
        p.c.setFont("Helvetica-Bold", 28)
        p.c.setFillColorRGB(0.8, 0.1, 0.1)
        p.c.drawString(p.w - 230, 190, d.stamp)
        p.c.restoreState()
    p.text(50, 40, d.legal, 7)
    p.save()


# ---------------------------------------------------------------- images

def page_image(pdf_path, dpi):
    pdf = pypdfium2.PdfDocument(pdf_path)
    img = pdf[0].render(scale=dpi / 72).to_pil().convert("RGB")
    pdf.close()
    return img


def noisy(img, rng, amount):
    px = img.load()
    w, h = img.size
    for _ in range(int(w * h * amount)):
        x, y = rng.randrange(w), rng.randrange(h)
        v = rng.randrange(0, 256)
        px[x, y] = (v, v, v)
    return img


def make_scan(pdf_path, out_path, rng):
    img = page_image(pdf_path, 200).convert("L")
    img = img.rotate(rng.uniform(-0.6, 0.6), expand=False, fillcolor=255, resample=Image.BICUBIC)
    img = noisy(img.convert("RGB"), rng, 0.0004).convert("L")
    img.save(out_path, "PDF", resolution=200)


def make_photo(pdf_path, out_path, rng, exif_turn):
    img = page_image(pdf_path, 150)
    w, h = img.size
    bg = Image.new("RGB", (w + 120, h + 120), (96, 88, 80))
    bg.paste(img, (60, 60))
    img = bg.rotate(rng.uniform(-1.5, 1.5), expand=False, fillcolor=(96, 88, 80), resample=Image.BICUBIC)
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 0.8)))
    img = noisy(img, rng, 0.0008)
    # Uneven light: darker towards one corner.
    shade = Image.linear_gradient("L").resize(img.size).point(lambda v: 200 + v // 5)
    img = Image.composite(img, Image.new("RGB", img.size, (40, 40, 40)), shade)
    exif = Image.Exif()
    if exif_turn:
        # Stored turned by 90°; the EXIF orientation says how to show it upright.
        img = img.transpose(Image.Transpose.ROTATE_90)
        exif[0x0112] = 6
    img.save(out_path, "JPEG", quality=rng.choice([62, 68, 74]), exif=exif.tobytes())


def main():
    rng = random.Random(SEED)
    import families
    docs = families.plan(rng)
    out = []
    for folder in ("pdf", "scan", "photo"):
        os.makedirs(os.path.join(HERE, folder), exist_ok=True)
    for i, (d, fmt) in enumerate(docs):
        stem = f"{i:02d}_{d.family}_{d.lang}"
        pdf = os.path.join(HERE, "pdf", stem + ".pdf")
        render(d, pdf)
        if fmt == "pdf":
            rel = f"pdf/{stem}.pdf"
        elif fmt == "scan":
            rel = f"scan/{stem}.pdf"
            make_scan(pdf, os.path.join(HERE, rel), rng)
            os.remove(pdf)
        else:
            rel = f"photo/{stem}.jpg"
            make_photo(pdf, os.path.join(HERE, rel), rng, exif_turn=(i % 7 == 3))
            os.remove(pdf)
        out.append(families.label(d, rel, fmt))
    out.extend(families.real_documents(HERE, sys.argv[1] if len(sys.argv) > 1 else None))
    labels = {"about": families.ABOUT, "documents": out}
    with open(os.path.join(HERE, "labels.json"), "w") as f:
        json.dump(labels, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"{len(out)} documents")


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    main()

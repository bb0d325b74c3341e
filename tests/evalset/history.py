#!/usr/bin/env python3
"""Writes `history.csv`: the transaction history of the evaluation set's vendors for `zopilot
bench replay --corpus tests/evalset --history tests/evalset/history.csv` (README, Benchmarks).

For every vendor whose documents in `labels.json` have purchase lines labelled with their
account, a year (2024, before the set's documents) of its earlier bills (receipts: expenses) in
the plain template `date, type, counterparty, number, account, amount, currency, memo, class,
tax code`: each month one to three of the lines it sells — their texts as its invoices print
them, as the books copy a bill's lines — at amounts near the labelled ones, posted to the
labelled accounts; now and then a credit. The history is imported into every business's books
(the vendors' names differ). Deterministic: run it again, same bytes.

    python3 tests/evalset/history.py
"""
import csv
import datetime
import io
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
KINDS = {"supplier_bill": "Bill", "paid_invoice": "Bill", "expense_receipt": "Expense",
         "vendor_credit": "Bill"}


def main():
    labels = json.load(open(os.path.join(HERE, "labels.json"), encoding="utf-8"))["documents"]
    vendors = {}
    for d in labels:
        kind = KINDS.get(d["family"])
        name = d["fields"].get("from.name")
        lines = [ln for ln in d.get("lines", []) if ln.get("account")]
        if not kind or not name or not lines or d["direction"] != "incoming":
            continue
        v = vendors.setdefault(name, {"kinds": [], "lines": {}, "currency": d["fields"].get("currency", "EUR")})
        v["kinds"].append(kind)
        for ln in lines:
            v["lines"].setdefault(ln["description"], (ln["account"], abs(ln["amount"])))
    rng = random.Random(26)
    rows = [["date", "type", "counterparty", "number", "account", "amount", "currency", "memo", "class", "tax code"]]
    for name in sorted(vendors):
        v = vendors[name]
        kind = max(set(v["kinds"]), key=v["kinds"].count)
        items = sorted(v["lines"].items())
        for month in range(1, 13):
            day = datetime.date(2024, month, 3 + rng.randrange(20))
            credit = month in (6, 11) and kind == "Bill"
            chosen = rng.sample(items, min(len(items), 1 + rng.randrange(3)))
            for text, (account, amount) in chosen:
                value = round(amount * rng.uniform(0.8, 1.2), 2)
                rows.append([day.isoformat(), "Vendor Credit" if credit else kind, name,
                             f"{name[:3].upper()}-24{month:02}", account, f"{-value if credit else value:.2f}",
                             v["currency"], text, "", ""])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    with open(os.path.join(HERE, "history.csv"), "w", encoding="utf-8", newline="") as f:
        f.write(out.getvalue())


if __name__ == "__main__":
    main()

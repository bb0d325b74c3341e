#!/usr/bin/env python3
"""Writes the replay data of the real set (`zopilot bench replay`, README "Replay"):

- `history.csv` — a transaction history in the plain template (`date, type, counterparty,
  number, account, amount, currency, memo, class, tax code`) for the vendors of the real set that
  sent several documents: a year of their earlier bills, expenses and credits before their first
  document in the set, as the buyers' books would hold them (the vendor named as on its
  documents, a shop by its trade name; the line texts the bookkeeper typed, not the documents'
  own; some vendors with an occasional line to another account, Contoso's mixed purchases with
  no account of its own);
- `replay_accounts.json` — the account each replayed document's lines go to (the labels of
  `labels.json` carry no accounts), consistent with the history.

The history is imported into the books of every business of the set (one export for all: the
vendors' names differ), so a vendor that sold to several buyers has its history in each.
Deterministic: run it again, same bytes.

    python3 tests/realset/history.py
"""
import csv
import datetime
import io
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))

# vendor as the books name it: (first document's day, type, currency,
#   [(account, memos, low, high, share of its lines)], documents replayed → account)
VENDORS = {
    "Contoso": ("2019-06-10", "Credit Card Expense", "USD", [
        ("Travel", ["Train ticket", "Taxi"], 15, 60, 0.4),
        ("Meals & Entertainment", ["Coffee and pastry", "Lunch, team"], 8, 70, 0.4),
        ("Office Supplies & Software", ["Surface accessories"], 90, 400, 0.2)], {
        "ghr_azure_di_samples/contoso_paris_ticket.png": "Travel",
        "ghr_azure_di_samples/contoso_madrid_ticket.png": "Travel",
        "ghr_azure_di_samples/contoso_tokyo_receipt.png": "Meals & Entertainment",
        "ghr_azure_di_samples/contoso_food_app_receipt.png": "Meals & Entertainment",
        "ghr_azure_di_samples/contoso_email_receipt.png": "Office Supplies & Software",
        "ghr_azure_di_samples/contoso_redmond_surface_receipt.png": "Office Supplies & Software",
        "rc_azure_formrecognizer/contoso_cafe_receipt.jpg": "Meals & Entertainment"}),
    "Kemira Oyj": ("2016-06-02", "Bill", "NOK", [
        ("Supplies & Materials", ["PAX-18 aluminium sulphate, tank delivery", "Water treatment chemicals"], 30000, 65000, 1.0)], {
        "ghe_opuscapita_peppol/kemira_9067031258.pdf": "Supplies & Materials",
        "ghe_opuscapita_peppol/kemira_9067031736.pdf": "Supplies & Materials",
        "ghe_opuscapita_peppol/kemira_9067031984.pdf": "Supplies & Materials"}),
    "Walmart": ("2011-11-06", "Expense", "USD", [
        ("Supplies & Materials", ["Cleaning supplies", "Paper towels, batteries", "Store supplies"], 10, 60, 0.9),
        ("Meals & Entertainment", ["Snacks for the team"], 8, 30, 0.1)], {
        "ghr_us_till_receipts_scanner/walmart_durango_2017-01-15.jpg": "Supplies & Materials",
        "ghr_us_till_receipts_scanner/walmart_sacramento_2019-08-05.jpg": "Supplies & Materials",
        "ghr_us_till_receipts_scanner/walmart_tampa_2011-11-06.jpg": "Supplies & Materials"}),
    "SIA Paraugs": ("2024-02-12", "Expense", "EUR", [
        ("Meals & Entertainment", ["Groceries, office kitchen", "Pārtika"], 8, 40, 1.0)], {
        "rc_rimi_receipts/rimi_format_receipt_01.pdf": "Meals & Entertainment",
        "rc_rimi_receipts/rimi_format_receipt_02.pdf": "Meals & Entertainment",
        "rc_rimi_receipts/rimi_format_receipt_03.pdf": "Meals & Entertainment"}),
    "MakeMyTrip (India) Private Limited": ("2025-09-06", "Expense", "INR", [
        ("Travel", ["Cab hire, airport", "Hotel booking", "Flight booking"], 900, 9000, 1.0)], {
        "gh_gst_smartcheck/makemytrip_cab_tax_invoice.pdf": "Travel",
        "gh_gst_smartcheck/makemytrip_hotel_tax_invoice.pdf": "Travel"}),
    "Redbus India Private Limited": ("2025-08-26", "Bill", "INR", [
        ("Travel", ["Bus tickets", "Bus ticket, return"], 400, 2500, 1.0)], {
        "gh_gst_smartcheck/redbus_tax_invoice_rka25.pdf": "Travel",
        "gh_gst_smartcheck/redbus_tax_invoice_rtn25.pdf": "Travel"}),
    "Coolblue B.V.": ("2014-03-29", "Expense", "EUR", [
        ("Office Supplies & Software", ["Tablet", "Laptop accessories", "Monitor cable"], 20, 900, 1.0)], {
        "gh_invoice2data/coolblue_factuur_1.pdf": "Office Supplies & Software",
        "gh_invoice2data/coolblue_factuur_2.pdf": "Office Supplies & Software"}),
    "Verisure AS": ("2016-11-03", "Bill", "NOK", [
        ("Repairs & Maintenance", ["Alarm monitoring, quarterly", "Alarm service"], 1500, 2400, 1.0)], {
        "ghe_opuscapita_peppol/verisure_12988664.pdf": "Repairs & Maintenance",
        "ghe_opuscapita_peppol/verisure_12988792.pdf": "Repairs & Maintenance"}),
    "Veidekke Industri AS": ("2016-11-03", "Bill", "NOK", [
        ("Contractors", ["Asphalt works", "Road maintenance, contract"], 90000, 450000, 1.0)], {
        "ghe_opuscapita_peppol/veidekke_2157525.pdf": "Contractors",
        "ghe_opuscapita_peppol/veidekke_2157520.pdf": "Contractors"}),
    "Ramirent A/S": ("2016-09-09", "Bill", "NOK", [
        ("Rent & Lease", ["Equipment rental, scaffolding", "Machine rental, excavator"], 4000, 25000, 1.0)], {
        "ghe_opuscapita_peppol/ramirent_credit_5326721-2.pdf": "Rent & Lease",
        "ghe_opuscapita_peppol/ramirent_credit_5337130-6.pdf": "Rent & Lease"}),
    "ISS Facility Services AS": ("2017-02-22", "Bill", "NOK", [
        ("Repairs & Maintenance", ["Cleaning services, monthly", "Facility services"], 1800, 8000, 1.0)], {
        "ghe_opuscapita_peppol/iss_9150077410.pdf": "Repairs & Maintenance",
        "ghe_opuscapita_peppol/iss_9150197110.pdf": "Repairs & Maintenance"}),
    "Lidl": ("2020-03-02", "Expense", "EUR", [
        ("Meals & Entertainment", ["Lebensmittel", "Getränke, Büro"], 5, 35, 1.0)], {
        "ghr_softmatic_receipts_de/lidl_paderborn_2020-04-07.jpg": "Meals & Entertainment",
        "ghr_softmatic_receipts_de/lidl_paderborn_2020-05-12.jpg": "Meals & Entertainment",
        "ghr_softmatic_receipts_de/lidl_paderborn_2020-03-02.jpg": "Meals & Entertainment",
        "ghr_softmatic_receipts_de/lidl_paderborn_2020-04-11.jpg": "Meals & Entertainment",
        "ghr_softmatic_receipts_de/lidl_paderborn_2020-04-21.jpg": "Meals & Entertainment",
        "ghr_softmatic_receipts_de/lidl_paderborn_2020-04-30.jpg": "Meals & Entertainment"}),
    "Aldi": ("2020-03-02", "Expense", "EUR", [
        ("Meals & Entertainment", ["Lebensmittel", "Kaffee, Milch"], 5, 35, 1.0)], {
        "ghr_softmatic_receipts_de/aldi_paderborn_2020-03-02.jpg": "Meals & Entertainment",
        "ghr_softmatic_receipts_de/aldi_paderborn_2020-05-16.jpg": "Meals & Entertainment",
        "ghr_softmatic_receipts_de/aldi_paderborn_2020-03-28.jpg": "Meals & Entertainment",
        "ghr_softmatic_receipts_de/aldi_paderborn_2020-04-18.jpg": "Meals & Entertainment",
        "ghr_softmatic_receipts_de/aldi_paderborn_2020-04-25.jpg": "Meals & Entertainment",
        "ghr_softmatic_receipts_de/aldi_paderborn_2020-05-19.jpg": "Meals & Entertainment"}),
    "Rossmann": ("2020-02-27", "Expense", "EUR", [
        ("Supplies & Materials", ["Drogerieartikel", "Reinigungsmittel"], 2, 25, 0.9),
        ("Meals & Entertainment", ["Getränke"], 2, 10, 0.1)], {
        "ghr_softmatic_receipts_de/rossmann_paderborn_2020-02-27.jpg": "Supplies & Materials",
        "ghr_softmatic_receipts_de/rossmann_paderborn_2020-05-20.jpg": "Supplies & Materials"}),
    "Media Markt": ("2019-01-31", "Expense", "EUR", [
        ("Office Supplies & Software", ["USB-Stick", "Druckerpatronen", "Kabel, Adapter"], 10, 250, 1.0)], {
        "ghr_softmatic_receipts_de/mediamarkt_paderborn_2020-05-14.jpg": "Office Supplies & Software",
        "ghr_softmatic_receipts_de/mediamarkt_paderborn_2020-05-19.jpg": "Office Supplies & Software",
        "ghr_softmatic_receipts_de/mediamarkt_paderborn_2019-01-31.jpg": "Office Supplies & Software"}),
    "Saturn": ("2017-09-08", "Expense", "EUR", [
        ("Office Supplies & Software", ["Monitor", "Tastatur und Maus", "Festplatte"], 25, 900, 1.0)], {
        "ghr_softmatic_receipts_de/saturn_paderborn_2020-02-11.jpg": "Office Supplies & Software",
        "ghr_softmatic_receipts_de/saturn_paderborn_2017-09-08.jpg": "Office Supplies & Software",
        "ghr_softmatic_receipts_de/saturn_paderborn_2020-02-15.jpg": "Office Supplies & Software",
        "ghr_softmatic_receipts_de/saturn_paderborn_2020-05-20.jpg": "Office Supplies & Software"}),
    "Forest and Biomass România S.A.": ("2022-09-01", "Bill", "RON", [
        ("Supplies & Materials", ["Becuri auto", "Consumabile"], 2000, 15000, 1.0)], {
        "ei_oca_ro_efactura/forest_biomass_FBRAO2092.xml": "Supplies & Materials",
        "ei_oca_ro_efactura/forest_biomass_credit_FBRAO2093.xml": "Supplies & Materials"}),
    "Stanford Plumbing & Heating": ("2018-07-09", "Bill", "USD", [
        ("Repairs & Maintenance", ["Plumbing repair", "Boiler service", "Sink installation"], 150, 1600, 1.0)], {
        "gh_gcp_docai_samples/stanford_plumbing_inv03051.pdf": "Repairs & Maintenance",
        "gh_gcp_docai_samples/stanford_plumbing_inv01699.pdf": "Repairs & Maintenance"}),
    # Added in round 20 (the rest of softmatic/vision-data's receipts); after the others, so
    # that the earlier vendors' rows stay as they were.
    "real": ("2020-02-29", "Expense", "EUR", [
        ("Meals & Entertainment", ["Lebensmittel", "Getränke, Büro"], 5, 40, 1.0)], {
        f"ghr_softmatic_receipts_de/real_paderborn_{d}.jpg": "Meals & Entertainment"
        for d in ["2020-02-29", "2020-03-23", "2020-04-15", "2020-04-21", "2020-04-24", "2020-04-29"]}),
    "Marktkauf": ("2020-02-28", "Expense", "EUR", [
        ("Meals & Entertainment", ["Lebensmittel", "Kaffee, Obst"], 8, 45, 1.0)], {
        f"ghr_softmatic_receipts_de/marktkauf_lehr_{d}.jpg": "Meals & Entertainment"
        for d in ["2020-02-28", "2020-04-03", "2020-04-08", "2020-04-20", "2020-05-04", "2020-05-06",
                  "2020-05-15", "2020-05-18"]}),
    "toom": ("2020-04-04", "Expense", "EUR", [
        ("Repairs & Maintenance", ["Baumarkt, Reparatur", "Schrauben, Dübel"], 5, 80, 0.9),
        ("Supplies & Materials", ["Reinigungsmittel"], 5, 20, 0.1)], {
        f"ghr_softmatic_receipts_de/toom_paderborn_{d}.jpg": "Repairs & Maintenance"
        for d in ["2020-04-04", "2020-04-06", "2020-05-02"]}),
}


def history(rng):
    rows = [["date", "type", "counterparty", "number", "account", "amount", "currency", "memo", "class", "tax code"]]
    for vendor, (first, kind, currency, accounts, _) in VENDORS.items():
        start = datetime.date.fromisoformat(first) - datetime.timedelta(days=380)
        for n in range(14):
            day = start + datetime.timedelta(days=27 * n + rng.randrange(5))
            lines = 1 + (rng.random() < 0.3)
            for _ in range(lines):
                pick, acc = rng.random(), accounts[-1]
                for a in accounts:
                    if pick < a[4]:
                        acc = a
                        break
                    pick -= a[4]
                account, memos, low, high, _ = acc
                number = f"{vendor[:3].upper()}-{day:%y%m%d}" if kind == "Bill" else ""
                rows.append([day.isoformat(), kind, vendor, number, account, f"{rng.uniform(low, high):.2f}", currency,
                             rng.choice(memos), "", ""])
    rows[1:] = sorted(rows[1:], key=lambda r: (r[0], r[2]))
    return rows


def main():
    rng = random.Random(2026)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(history(rng))
    with open(os.path.join(HERE, "history.csv"), "w", encoding="utf-8", newline="") as f:
        f.write(out.getvalue())
    accounts = {doc: a for *_, docs in VENDORS.values() for doc, a in docs.items()}
    with open(os.path.join(HERE, "replay_accounts.json"), "w", encoding="utf-8") as f:
        json.dump(dict(sorted(accounts.items())), f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()

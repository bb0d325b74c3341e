#!/usr/bin/env python3
"""Completes the action registries with every operation of the accounting software's API that
records nothing from a document by itself — read, query, update, delete, void, send, PDF,
deactivate, reports — so that `/prompt` field mapping and the registry listing know the whole
API, while Stage 1 chooses only among the document actions written by hand.

    python3 schema/actions/generate.py        # rewrites quickbooks.json and zoho.json

- quickbooks.json: the hand-written document actions (no `"generated"` key) are kept as they
  are; the generated ones (`"generated": true`) are replaced. Entities and operations follow the
  QuickBooks Online Accounting API v3 reference
  (https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities).
- zoho.json: written whole from the module table below, after the Zoho Books API v3
  (https://www.zoho.com/books/api/v3/): document actions (create) with value sources, the other
  operations generated the same way.

Generated actions have `directions: []` and `can_be_primary: false`: Stage 1 never offers them.
Every required field has a value source (`record:<Entity>` is the record of the books the action
acts on, given by the caller or resolved from the document's reference; `at_post:<field>` is
supplied by the accounting software when the request is sent, e.g. QuickBooks' SyncToken).
Deterministic: run it again, same bytes.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def field(name, type_, description, source):
    return {"name": name, "type": type_, "description": description, "source": source}


def action(name, entity, category, description, required, optional=()):
    return {"name": name, "entity": entity, "category": category, "description": description,
            "required_fields": list(required), "optional_fields": list(optional),
            "directions": [], "can_be_primary": False, "generated": True}


# --- QuickBooks Online -----------------------------------------------------------------------

# Transactions: entity, category, operations beyond update/delete/get/query.
QBO_TXNS = [
    ("Invoice", "sales", ["void", "send", "pdf"]),
    ("SalesReceipt", "sales", ["void", "send", "pdf"]),
    ("Payment", "sales", ["void", "send", "pdf"]),
    ("CreditMemo", "sales", ["void", "send", "pdf"]),
    ("Estimate", "sales", ["send", "pdf"]),
    ("RefundReceipt", "sales", ["void", "send", "pdf"]),
    ("Bill", "purchases", []),
    ("BillPayment", "purchases", ["void"]),
    ("Purchase", "purchases", []),
    ("PurchaseOrder", "purchases", ["send", "pdf"]),
    ("VendorCredit", "purchases", []),
    ("Deposit", "banking", []),
    ("Transfer", "banking", []),
    ("CreditCardPayment", "banking", []),
    ("JournalEntry", "journal", []),
    ("TimeActivity", "journal", []),
    ("InventoryAdjustment", "inventory", []),
    ("ReimburseCharge", "sales", []),
]

# Name lists: entity, category, create (when no hand-written create exists), deactivate.
QBO_LISTS = [
    ("Account", "entities", False, True),
    ("Vendor", "entities", False, True),
    ("Customer", "entities", False, True),
    ("Employee", "entities", False, True),
    ("Item", "inventory", False, True),
    ("Class", "entities", True, True),
    ("Department", "entities", True, True),
    ("Term", "entities", True, True),
    ("PaymentMethod", "entities", True, True),
    ("CustomerType", "entities", False, False),
    ("TaxAgency", "tax", False, False),
    ("TaxCode", "tax", False, True),
    ("TaxRate", "tax", False, False),
    ("Budget", "journal", True, False),
    ("JournalCode", "journal", True, False),
    ("CompanyCurrency", "banking", True, True),
    ("Attachable", "entities", False, False),
    ("RecurringTransaction", "journal", True, False),
]

QBO_REPORTS = [
    "ProfitAndLoss", "ProfitAndLossDetail", "BalanceSheet", "CashFlow", "TrialBalance",
    "GeneralLedger", "JournalReport", "AgedPayables", "AgedPayableDetail", "AgedReceivables",
    "AgedReceivableDetail", "VendorBalance", "VendorBalanceDetail", "VendorExpenses",
    "CustomerBalance", "CustomerBalanceDetail", "CustomerIncome", "CustomerSales", "ItemSales",
    "DepartmentSales", "ClassSales", "InventoryValuationSummary", "TransactionList", "AccountList",
    "TaxSummary",
]


def words(entity):
    out = ""
    for c in entity:
        out += (" " + c.lower()) if c.isupper() and out else c.lower()
    return out


def qbo_ops(entity, category, extra, list_entity=False):
    w = words(entity)
    rid = field("Id", f"ref:{entity}", f"the {w} in the books", f"record:{entity}")
    sync = field("SyncToken", "string", "the record's version, read when the request is sent", "at_post:SyncToken")
    out = [
        action(f"update{entity}", entity, category, f"Change an existing {w} (sparse update).", [rid, sync],
               [field("sparse", "boolean", "only the fields given change", "const:true")]),
        action(f"get{entity}", entity, category, f"Read one {w} by its id.", [rid]),
        action(f"query{entity}", entity, category, f"List {w} records matching a query.",
               [field("Query", "string", "QuickBooks query language statement", f"const:select * from {entity}")],
               [field("MaxResults", "integer", "page size", "const:1000")]),
    ]
    if not list_entity:
        out.append(action(f"delete{entity}", entity, category, f"Delete a {w}.", [rid, sync]))
    for op in extra:
        if op == "void":
            out.append(action(f"void{entity}", entity, category, f"Void a {w}: amounts become zero, the record stays.", [rid, sync]))
        elif op == "send":
            out.append(action(f"send{entity}", entity, category, f"E-mail a {w} to its recipient.", [rid],
                              [field("sendTo", "string", "e-mail address", "party.email")]))
        elif op == "pdf":
            out.append(action(f"get{entity}Pdf", entity, category, f"Download a {w} as PDF.", [rid]))
    return out


def quickbooks():
    path = os.path.join(HERE, "quickbooks.json")
    with open(path, encoding="utf-8") as f:
        reg = json.load(f)
    kept = [a for a in reg["actions"] if not a.get("generated")]
    names = {a["name"] for a in kept}
    gen = []
    for entity, category, extra in QBO_TXNS:
        gen += qbo_ops(entity, category, extra)
    for entity, category, create, deactivate in QBO_LISTS:
        if create and f"create{entity}" not in names:
            gen.append(action(f"create{entity}", entity, category, f"Create a {words(entity)} in the list.",
                              [field("Name", "string", "its name", "line.description")]))
        gen += qbo_ops(entity, category, [], list_entity=True)
        if deactivate:
            w = words(entity)
            gen.append(action(f"deactivate{entity}", entity, category,
                              f"Make a {w} inactive (QuickBooks deletes list records this way).",
                              [field("Id", f"ref:{entity}", f"the {w}", f"record:{entity}"),
                               field("SyncToken", "string", "the record's version", "at_post:SyncToken"),
                               field("Active", "boolean", "false", "const:false")]))
    gen.append(action("uploadAttachable", "Attachable", "entities", "Upload a file and attach it to a record.",
                      [field("FileName", "string", "the original's file name", "computed:file_name")]))
    gen.append(action("getCompanyInfo", "CompanyInfo", "entities", "Read the company's settings.",
                      [field("Id", "string", "the company id", "at_post:realmId")]))
    gen.append(action("getPreferences", "Preferences", "entities", "Read the company's preferences.", []))
    gen.append(action("getExchangeRate", "Exchangerate", "banking", "Read the rate of a currency on a date.",
                      [field("sourcecurrencycode", "currency", "the document's currency", "doc.currency"),
                       field("asofdate", "date", "the document's date", "doc.issue_date")]))
    gen.append(action("updateExchangeRate", "Exchangerate", "banking", "Set the rate of a currency on a date.",
                      [field("SourceCurrencyCode", "currency", "the document's currency", "doc.currency"),
                       field("AsOfDate", "date", "the document's date", "doc.issue_date"),
                       field("Rate", "number", "home currency per unit", "computed:exchange_rate")]))
    for report in QBO_REPORTS:
        gen.append(action(f"runReport{report}", "Report", "journal", f"Run the {words(report)} report.",
                          [field("start_date", "date", "first day of the document's month", "computed:period_start"),
                           field("end_date", "date", "last day of the document's month", "computed:period_end")],
                          [field("accounting_method", "enum:Cash|Accrual", "basis", "const:Accrual")]))
    gen = [g for g in gen if g["name"] not in names]
    for a in kept:
        if a["category"] == "documents":
            a["category"] = "entities"
    reg["actions"] = kept + gen
    reg["value_sources"]["record:<Entity>"] = ("the record of the books the action acts on: given by the caller "
                                               "(the backend, a reviewer) or resolved from the document's reference")
    reg["value_sources"]["at_post:<field>"] = ("supplied by the accounting software when the request is sent "
                                               "(QuickBooks' SyncToken, the company id); empty in the result")
    reg["value_sources"]["computed:<name>"] = reg["value_sources"]["computed:<name>"].rstrip(".") + \
        ("" if "period_start" in reg["value_sources"]["computed:<name>"] else
         ", the first and last day of the document's month (period_start / period_end), the exchange rate")
    write(path, reg)
    return reg


# --- Zoho Books ----------------------------------------------------------------------------

LINES_ACCOUNTS = field("line_items", "lines", "lines: description, quantity, rate, amount, account", "lines:accounts")
LINES_ITEMS = field("line_items", "lines", "lines: description, quantity, rate, amount, item", "lines:items")
DATE = field("date", "date", "document date", "doc.issue_date")
CUSTOMER = field("customer_id", "ref:Contact", "the customer", "lookup:Contact:party.name")
VENDOR = field("vendor_id", "ref:Contact", "the vendor", "lookup:Contact:party.name")
TOTAL = field("amount", "number", "total", "doc.total")
CURRENCY = field("currency_code", "currency", "ISO currency", "doc.currency")
NUMBER = lambda n: field(n, "string", "the document's number", "doc.invoice_number")
DUE = field("due_date", "date", "due date", "doc.due_date")
NOTES = field("notes", "string", "a note naming the document", "computed:note")

# module, entity, category, create action (name, description, required, optional, directions,
# primary) or None, extra operations.
ZOHO = [
    ("contacts", "Contact", "entities",
     ("createContact", "Create a customer or vendor.", [field("contact_name", "string", "display name", "party.name")],
      [field("company_name", "string", "company", "party.name"), field("email", "string", "e-mail", "party.email"),
       field("tax_id", "string", "tax id", "party.tax_id")], ["incoming", "outgoing", "internal"], False),
     ["active", "inactive"]),
    ("invoices", "Invoice", "sales",
     ("createInvoice", "Record a sales invoice (money owed TO the business).", [CUSTOMER, LINES_ITEMS, DATE],
      [NUMBER("invoice_number"), DUE, CURRENCY, NOTES], ["outgoing"], True),
     ["void", "sent", "email", "approve", "pdf"]),
    ("estimates", "Estimate", "sales",
     ("createEstimate", "Record a quote sent to a customer.", [CUSTOMER, LINES_ITEMS, DATE],
      [NUMBER("estimate_number"), CURRENCY], ["outgoing"], True),
     ["sent", "accepted", "declined", "email", "pdf"]),
    ("salesorders", "SalesOrder", "sales",
     ("createSalesOrder", "Record a customer's order.", [CUSTOMER, LINES_ITEMS, DATE],
      [NUMBER("salesorder_number"), CURRENCY], ["outgoing", "incoming"], True),
     ["void", "open", "email", "pdf"]),
    ("creditnotes", "CreditNote", "sales",
     ("createCreditNote", "Record a credit note issued to a customer.", [CUSTOMER, LINES_ITEMS, DATE],
      [NUMBER("creditnote_number"), CURRENCY], ["outgoing"], True),
     ["void", "open", "email", "refund"]),
    ("customerpayments", "CustomerPayment", "sales",
     ("createCustomerPayment", "Record a payment received from a customer.",
      [CUSTOMER, field("amount", "number", "amount received", "doc.total"), DATE],
      [field("payment_mode", "string", "how it was paid", "computed:payment_method"), field("reference_number", "string", "reference", "doc.invoice_number")],
      ["incoming"], True),
     ["refund"]),
    ("retainerinvoices", "RetainerInvoice", "sales", None, ["void", "sent", "email"]),
    ("recurringinvoices", "RecurringInvoice", "sales", None, ["stop", "resume"]),
    ("bills", "Bill", "purchases",
     ("createBill", "Record a supplier's invoice to be paid later.", [VENDOR, LINES_ACCOUNTS, DATE],
      [NUMBER("bill_number"), DUE, CURRENCY, NOTES], ["incoming"], True),
     ["void", "open", "approve"]),
    ("expenses", "Expense", "purchases",
     ("createExpense", "Record a purchase already paid (receipt, card slip).",
      [field("account_id", "ref:Account", "expense account", "lines:accounts"), TOTAL, DATE,
       field("paid_through_account_id", "ref:Account", "account it was paid from", "role:payment_account")],
      [VENDOR, field("reference_number", "string", "receipt number", "doc.invoice_number"), CURRENCY], ["incoming", "internal"], True),
     []),
    ("recurringexpenses", "RecurringExpense", "purchases", None, ["stop", "resume"]),
    ("purchaseorders", "PurchaseOrder", "purchases",
     ("createPurchaseOrder", "Record an order sent to a supplier.", [VENDOR, LINES_ACCOUNTS, DATE],
      [NUMBER("purchaseorder_number"), CURRENCY], ["outgoing"], True),
     ["open", "billed", "cancelled", "email"]),
    ("vendorcredits", "VendorCredit", "purchases",
     ("createVendorCredit", "Record a credit note received from a supplier.", [VENDOR, LINES_ACCOUNTS, DATE],
      [NUMBER("vendor_credit_number"), CURRENCY], ["incoming"], True),
     ["void", "open", "refund"]),
    ("vendorpayments", "VendorPayment", "purchases",
     ("createVendorPayment", "Record a payment made to a supplier.",
      [VENDOR, field("amount", "number", "amount paid", "doc.total"), DATE],
      [field("paid_through_account_id", "ref:Account", "account it was paid from", "role:payment_account")],
      ["incoming", "internal"], True),
     []),
    ("bankaccounts", "BankAccount", "banking", None, ["active", "inactive"]),
    ("banktransactions", "BankTransaction", "banking",
     ("createBankTransaction", "Record a bank statement's transactions.",
      [field("account_id", "ref:Account", "the bank account", "role:bank_account"),
       field("transactions", "lines", "the statement's lines", "lines:transactions")],
      [DATE], ["incoming", "internal"], True),
     ["categorize", "uncategorize", "match"]),
    ("chartofaccounts", "Account", "entities",
     ("createAccount", "Create an account in the chart of accounts.",
      [field("account_name", "string", "its name", "line.description"), field("account_type", "string", "its type", "const:expense")],
      [], ["incoming", "outgoing", "internal"], False),
     ["active", "inactive"]),
    ("journals", "Journal", "journal",
     ("createJournal", "Record a manual journal entry.", [field("journal_date", "date", "date", "doc.issue_date"),
      field("line_items", "lines", "debit and credit lines", "lines:journal")], [NOTES], ["incoming", "outgoing", "internal"], True),
     ["publish"]),
    ("items", "Item", "inventory",
     ("createItem", "Create a product or service.", [field("name", "string", "its name", "line.description"),
      field("rate", "number", "its price", "line.unit_price")], [], ["incoming", "outgoing", "internal"], False),
     ["active", "inactive"]),
    ("inventoryadjustments", "InventoryAdjustment", "inventory", None, []),
    ("taxes", "Tax", "tax", None, []),
    ("taxauthorities", "TaxAuthority", "tax", None, []),
    ("taxexemptions", "TaxExemption", "tax", None, []),
    ("projects", "Project", "journal", None, ["active", "inactive"]),
    ("timeentries", "TimeEntry", "journal", None, []),
    ("currencies", "Currency", "banking", None, []),
    ("users", "User", "entities", None, ["active", "inactive"]),
]


def zoho():
    actions = []
    for module, entity, category, create, extra in ZOHO:
        w = words(entity)
        rid = field(f"{entity.lower()}_id", f"ref:{entity}", f"the {w} in the books", f"record:{entity}")
        if create:
            name, desc, req, opt, dirs, primary = create
            actions.append({"name": name, "entity": entity, "category": category, "description": desc,
                            "required_fields": req, "optional_fields": opt, "directions": dirs,
                            "can_be_primary": primary})
        else:
            actions.append(action(f"create{entity}", entity, category, f"Create a {w}.",
                                  [field("name", "string", "its name", "line.description")]))
        actions.append(action(f"update{entity}", entity, category, f"Change an existing {w}.", [rid]))
        actions.append(action(f"get{entity}", entity, category, f"Read one {w}.", [rid]))
        actions.append(action(f"list{entity}s", entity, category, f"List {w} records (filters, pages).",
                              [field("page", "integer", "page number", "const:1")]))
        actions.append(action(f"delete{entity}", entity, category, f"Delete a {w}.", [rid]))
        for op in extra:
            verb = {"active": "markActive", "inactive": "markInactive", "void": "void", "sent": "markSent",
                    "email": "email", "approve": "approve", "pdf": "print", "accepted": "markAccepted",
                    "declined": "markDeclined", "open": "markOpen", "refund": "refund", "stop": "stop",
                    "resume": "resume", "billed": "markBilled", "cancelled": "markCancelled",
                    "categorize": "categorize", "uncategorize": "uncategorize", "match": "match",
                    "publish": "publish"}[op]
            opt = [field("to_mail_ids", "string", "recipient", "party.email")] if op == "email" else []
            actions.append(action(f"{verb}{entity}", entity, category, f"{verb} a {w} ({module}).", [rid], opt))
    reg = {
        "software": "Zoho Books",
        "api": "Zoho Books API v3 (https://www.zoho.com/books/api/v3/)",
        "field_types": {"string": "text", "number": "decimal number", "integer": "whole number",
                        "date": "ISO 8601 date YYYY-MM-DD", "currency": "ISO 4217 code", "boolean": "true/false",
                        "ref:<Entity>": "a record in Zoho Books, given as {{lookup:<Entity>:<Name>}}",
                        "enum:A|B": "one of the listed values", "lines": "array of line objects"},
        "value_sources": {"about": "As in quickbooks.json; record:<Entity> is the record the action acts on, given by the caller."},
        "actions": actions,
    }
    write(os.path.join(HERE, "zoho.json"), reg)
    return reg


def write(path, reg):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(reg, f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    q = quickbooks()
    z = zoho()
    for name, r in (("quickbooks", q), ("zoho", z)):
        cats = sorted({a["category"] for a in r["actions"]})
        print(f"{name}: {len(r['actions'])} actions in {len(cats)} categories: {', '.join(cats)}")

"""What the rendered documents print, per language. Written from real documents' usual wording,
with variants, independently of the daemon's own vocabulary file."""

MONTHS = {
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"],
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
           "Oktober", "November", "Dezember"],
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"],
    "it": ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
           "settembre", "ottobre", "novembre", "dicembre"],
}

TITLES = {
    "invoice": {"en": ["INVOICE", "Invoice", "TAX INVOICE"], "fr": ["FACTURE", "Facture"],
                "de": ["RECHNUNG", "Rechnung"], "es": ["FACTURA", "Factura"], "it": ["FATTURA"]},
    "receipt": {"en": ["RECEIPT", "Sales Receipt", "Payment Receipt"], "fr": ["REÇU", "Ticket de caisse"],
                "de": ["QUITTUNG", "Kassenbeleg"], "es": ["RECIBO", "Ticket"], "it": ["RICEVUTA"]},
    "credit_note": {"en": ["CREDIT NOTE", "Credit Memo"], "fr": ["AVOIR", "Facture d'avoir"],
                    "de": ["GUTSCHRIFT"], "es": ["NOTA DE CRÉDITO", "Factura rectificativa"],
                    "it": ["NOTA DI CREDITO"]},
    "refund_receipt": {"en": ["REFUND RECEIPT"], "fr": ["REMBOURSEMENT"], "de": ["ERSTATTUNG"],
                       "es": ["REEMBOLSO"], "it": ["RIMBORSO"]},
    "remittance_advice": {"en": ["REMITTANCE ADVICE", "Payment Advice"], "fr": ["AVIS DE PAIEMENT", "Avis de virement"],
                          "de": ["ZAHLUNGSAVIS"], "es": ["AVISO DE PAGO"], "it": ["AVVISO DI PAGAMENTO"]},
    "purchase_order": {"en": ["PURCHASE ORDER"], "fr": ["BON DE COMMANDE"], "de": ["BESTELLUNG"],
                       "es": ["ORDEN DE COMPRA"], "it": ["ORDINE DI ACQUISTO"]},
    "quote": {"en": ["QUOTATION", "ESTIMATE"], "fr": ["DEVIS"], "de": ["ANGEBOT"], "es": ["PRESUPUESTO"],
              "it": ["PREVENTIVO"]},
    "delivery_note": {"en": ["DELIVERY NOTE", "Packing Slip"], "fr": ["BON DE LIVRAISON"], "de": ["LIEFERSCHEIN"],
                      "es": ["ALBARÁN"], "it": ["DOCUMENTO DI TRASPORTO"]},
    "bank_statement": {"en": ["BANK STATEMENT", "Statement of Account"], "fr": ["RELEVÉ DE COMPTE"],
                       "de": ["KONTOAUSZUG"], "es": ["EXTRACTO BANCARIO"], "it": ["ESTRATTO CONTO"]},
    "letter": {"en": ["Notice of change of address"], "fr": ["Changement d'adresse"],
               "de": ["Mitteilung: neue Anschrift"], "es": ["Aviso de cambio de domicilio"],
               "it": ["Comunicazione di cambio indirizzo"]},
}

NUMBER_LABEL = {
    "receipt": {"en": ["Receipt No:", "Receipt #"], "fr": ["Reçu n° :", "Ticket n°"], "de": ["Beleg-Nr.:", "Bon-Nr.:"],
                "es": ["Ticket nº:", "Recibo nº:"], "it": ["Ricevuta n.:", "Scontrino n.:"]},
    "credit_note": {"en": ["Credit Note No:", "Credit memo #"], "fr": ["Avoir n° :"], "de": ["Gutschrift Nr.:"],
                    "es": ["Nota de crédito nº:"], "it": ["Nota di credito n.:"]},
    "purchase_order": {"en": ["PO Number:", "Order No:"], "fr": ["N° de commande :"], "de": ["Bestellnr.:"],
                       "es": ["Nº pedido:"], "it": ["N. ordine:"]},
    "quote": {"en": ["Quote No:", "Estimate #"], "fr": ["Devis n° :"], "de": ["Angebotsnr.:"],
              "es": ["Presupuesto nº:"], "it": ["Preventivo n.:"]},
    "remittance_advice": {"en": ["Reference:"], "fr": ["Référence :"], "de": ["Referenz:"], "es": ["Referencia:"],
                          "it": ["Riferimento:"]},
    "bank_statement": {"en": ["Statement No:"], "fr": ["Relevé n° :"], "de": ["Auszug Nr.:"], "es": ["Extracto nº:"],
                       "it": ["Estratto n.:"]},
    "delivery_note": {"en": ["Delivery No:"], "fr": ["N° :"], "de": ["Nr.:"], "es": ["Nº:"], "it": ["N.:"]},
}

PO_VENDOR_LABEL = {"en": ["Vendor:", "Supplier:"], "fr": ["Fournisseur :"], "de": ["Lieferant:"], "es": ["Proveedor:"],
                   "it": ["Fornitore:"]}

HEADER = {
    "en": {"number": ["Invoice No:", "Invoice #", "Number:"], "date": ["Date:", "Invoice Date:", "Date of issue:"],
           "due": ["Due Date:", "Payment due:"], "customer_no": "Customer No:"},
    "fr": {"number": ["N° :", "Facture n°", "Numéro :"], "date": ["Date :", "Date de facture :"],
           "due": ["Échéance :", "Date limite de paiement :"], "customer_no": "N° client :"},
    "de": {"number": ["Nr.:", "Rechnungsnr.:", "Belegnummer:"], "date": ["Datum:", "Rechnungsdatum:"],
           "due": ["Fällig am:", "Zahlbar bis:"], "customer_no": "Kundennr.:"},
    "es": {"number": ["Nº:", "Número:", "Factura nº"], "date": ["Fecha:", "Fecha de factura:"],
           "due": ["Vencimiento:", "Fecha de vencimiento:"], "customer_no": "Nº cliente:"},
    "it": {"number": ["N.:", "Numero:"], "date": ["Data:", "Data fattura:"], "due": ["Scadenza:"],
           "customer_no": "Cod. cliente:"},
}

RECIPIENT_LABEL = {
    "en": ["Bill To:", "Billed to:", "Customer:", "Invoice to:"],
    "fr": ["Facturé à :", "Client :", "Adressé à :"],
    "de": ["Rechnungsempfänger:", "Kunde:", "Rechnung an:"],
    "es": ["Facturar a:", "Cliente:"],
    "it": ["Cliente:", "Intestatario:"],
}

COLUMNS = {
    "en": [["Description", "Qty", "Unit price", "Amount"], ["Item", "Quantity", "Rate", "Total"]],
    "fr": [["Désignation", "Qté", "Prix unitaire", "Montant"], ["Description", "Quantité", "P.U.", "Total"]],
    "de": [["Bezeichnung", "Menge", "Einzelpreis", "Betrag"], ["Beschreibung", "Anzahl", "Preis", "Gesamt"]],
    "es": [["Descripción", "Cantidad", "Precio", "Importe"], ["Concepto", "Cant.", "Precio unitario", "Total"]],
    "it": [["Descrizione", "Quantità", "Prezzo", "Importo"]],
}

TOTALS = {
    "en": {"subtotal": "Subtotal", "tax": "Tax {rate}%", "total": "Total"},
    "fr": {"subtotal": "Total HT", "tax": "TVA {rate}%", "total": "Total TTC"},
    "de": {"subtotal": "Zwischensumme", "tax": "MwSt. {rate}%", "total": "Gesamtbetrag"},
    "es": {"subtotal": "Base imponible", "tax": "IVA {rate}%", "total": "Total"},
    "it": {"subtotal": "Imponibile", "tax": "IVA {rate}%", "total": "Totale"},
}

PAID = {
    "card": {"en": "Paid by VISA **** 4821", "fr": "Payé par carte bancaire **** 4821",
             "de": "Bezahlt mit Kreditkarte **** 4821", "es": "Pagado con tarjeta **** 4821",
             "it": "Pagato con carta di credito **** 4821"},
    "cash": {"en": "Payment method: Cash", "fr": "Mode de règlement : espèces", "de": "Zahlungsart: Bar",
             "es": "Forma de pago: efectivo", "it": "Metodo di pagamento: contanti"},
}

STAMP = {"en": "PAID", "fr": "PAYÉ", "de": "BEZAHLT", "es": "PAGADO", "it": "PAGATO"}

DUE_LINE = {
    "en": "Please pay within 30 days. Balance due: {amount}",
    "fr": "Merci de régler sous 30 jours. Reste à payer : {amount}",
    "de": "Bitte überweisen Sie den Betrag von {amount} innerhalb von 30 Tagen.",
    "es": "Le rogamos abone el importe de {amount} en 30 días.",
    "it": "Si prega di pagare {amount} entro 30 giorni.",
}

THANKS = {"en": "Thank you for your business.", "fr": "Merci de votre confiance.",
          "de": "Vielen Dank für Ihren Auftrag.", "es": "Gracias por su confianza.",
          "it": "Grazie per la fiducia."}

REMITTANCE_INTRO = {
    "en": ["We have paid the following invoices by bank transfer today:"],
    "fr": ["Nous avons réglé ce jour par virement les factures suivantes :"],
    "de": ["Wir haben heute folgende Rechnungen per Überweisung bezahlt:"],
    "es": ["Hemos pagado hoy por transferencia las siguientes facturas:"],
    "it": ["Abbiamo pagato oggi con bonifico le seguenti fatture:"],
}

STATEMENT_COLUMNS = {
    "en": ["Description", "Date", "Amount", "Balance"],
    "fr": ["Libellé", "Date", "Montant", "Solde"],
    "de": ["Buchungstext", "Datum", "Betrag", "Saldo"],
    "es": ["Concepto", "Fecha", "Importe", "Saldo"],
    "it": ["Descrizione", "Data", "Importo", "Saldo"],
}

LETTER_BODY = {
    "en": ["Please note that from next month our offices move to a new address.",
           "Nothing changes for your orders or your account with us."],
    "fr": ["Nous vous informons que nos bureaux déménagent le mois prochain.",
           "Rien ne change pour vos commandes ni pour votre compte."],
    "de": ["Bitte beachten Sie, dass unsere Büros nächsten Monat umziehen.",
           "Für Ihre Bestellungen und Ihr Kundenkonto ändert sich nichts."],
    "es": ["Le informamos de que el próximo mes nuestras oficinas se trasladan.",
           "Nada cambia para sus pedidos ni para su cuenta."],
    "it": ["Vi informiamo che il mese prossimo i nostri uffici si trasferiscono.",
           "Nulla cambia per i vostri ordini o il vostro conto."],
}

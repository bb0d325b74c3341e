//! The accounting software's action registry (`schema/actions/<software>.json`): what Stage 1
//! chooses from and what Stage 2 fills in, and the per-action JSON Schema of Stage 2's
//! `field_mappings`, derived from the action's typed fields.

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// `schema/actions/quickbooks.json` (QuickBooks Online).
pub const QUICKBOOKS: &str = include_str!("../../../schema/actions/quickbooks.json");
/// `schema/actions/zoho.json` (Zoho Books).
pub const ZOHO: &str = include_str!("../../../schema/actions/zoho.json");

/// One field of an action. `field_type` is one of `string`, `number`, `integer`, `boolean`,
/// `date`, `currency`, `ref:<Entity>`, `enum:A|B|…`, `lines`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    #[serde(rename = "type")]
    pub field_type: String,
    pub description: String,
    /// Where the value comes from (the registry's `value_sources`): `doc.<field>`,
    /// `party.<field>`, `lookup:<Entity>:<source>`, `lines:<kind>`, `line.<field>`,
    /// `role:<account role>`, `computed:<name>`, `const:<value>`, `judgment:<name>` or `none`.
    pub source: String,
}

/// One accounting action (e.g. `createBill`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Action {
    pub name: String,
    /// The software's entity it creates or changes (e.g. `Bill`).
    pub entity: String,
    /// sales | purchases | banking | entities | inventory | tax | journal
    pub category: String,
    pub description: String,
    pub required_fields: Vec<Field>,
    pub optional_fields: Vec<Field>,
    /// Document directions (`incoming`, `outgoing`, `internal`) the action fits; empty for the
    /// API operations that record no document by themselves (read, update, void, reports…):
    /// Stage 1 never offers those.
    pub directions: Vec<String>,
    /// Whether the action can record a document as its PRIMARY action (entity creation and
    /// attachments cannot: they are PREREQUISITE / FOLLOW_UP steps).
    pub can_be_primary: bool,
}

/// All actions of one accounting software.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Registry {
    pub software: String,
    pub actions: Vec<Action>,
}

impl Registry {
    /// The registry for `software` (`quickbooks`, `zoho`).
    pub fn for_software(software: &str) -> Result<Registry> {
        match software.to_ascii_lowercase().as_str() {
            "quickbooks" | "quickbooks online" | "qbo" => Self::parse(QUICKBOOKS),
            "zoho" | "zoho books" | "zohobooks" => Self::parse(ZOHO),
            other => bail!(
                "no action registry for accounting software {other:?} (available: quickbooks, zoho)"
            ),
        }
    }

    /// Parse a registry file.
    pub fn parse(text: &str) -> Result<Registry> {
        let r: Registry = serde_json::from_str(text).context("parsing the action registry")?;
        if r.actions.is_empty() {
            bail!("the action registry is empty");
        }
        Ok(r)
    }

    /// Look an action up by exact name.
    pub fn get(&self, name: &str) -> Option<&Action> {
        self.actions.iter().find(|a| a.name == name)
    }

    /// Action names, registry order.
    pub fn names(&self) -> Vec<&str> {
        self.actions.iter().map(|a| a.name.as_str()).collect()
    }

    /// Names of the actions that fit `direction` (all of them for `unknown`), only those that can
    /// be PRIMARY when `primary`.
    pub fn names_for(&self, direction: &str, primary: bool) -> Vec<&str> {
        self.actions
            .iter()
            .filter(|a| !a.directions.is_empty())
            .filter(|a| direction == "unknown" || a.directions.iter().any(|d| d == direction))
            .filter(|a| !primary || a.can_be_primary)
            .map(|a| a.name.as_str())
            .collect()
    }
}

/// JSON Schema of one field's value.
pub fn field_schema(field_type: &str) -> Value {
    let pattern_ref = |entity: &str| format!("^\\{{\\{{lookup:{entity}:[^{{}}]{{1,80}}\\}}\\}}$");
    match field_type {
        "number" => {
            json!({"type": "number", "minimum": -1000000000, "maximum": 1000000000, "multipleOf": 0.001})
        }
        "integer" => json!({"type": "integer", "minimum": 0, "maximum": 100000}),
        "boolean" => json!({"type": "boolean"}),
        "date" => json!({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}),
        "currency" => json!({"type": "string", "pattern": "^[A-Z]{3}$"}),
        "lines" => json!({
            "type": "array", "minItems": 1, "maxItems": 500,
            "items": {"type": "object", "properties": {
                "description": {"type": "string", "pattern": "^[^\\\\\\x00-\\x1f]{0,160}$"},
                "quantity": {"type": "number", "minimum": -1000000000, "maximum": 1000000000, "multipleOf": 0.0001},
                "rate": {"type": "number", "minimum": -1000000000, "maximum": 1000000000, "multipleOf": 0.0001},
                "amount": {"type": "number", "minimum": -1000000000, "maximum": 1000000000, "multipleOf": 0.001},
                "account": {"type": "string", "pattern": pattern_ref("Account")},
                "item": {"type": "string", "pattern": pattern_ref("Item")},
                "account_decided_by": {"enum": ["fixed_asset_rule", "keywords", "model", "memory", "rule", "business_rule", "prepaid_rule", "inventory_item", "history"]},
                "account_evidence": {"type": "string", "pattern": "^[^\\\\\\x00-\\x1f]{0,200}$"}
            }, "required": ["description", "amount"], "additionalProperties": false}
        }),
        t if t.starts_with("ref:") => json!({"type": "string", "pattern": pattern_ref(&t[4..])}),
        t if t.starts_with("enum:") => json!({"enum": t[5..].split('|').collect::<Vec<_>>()}),
        _ => json!({"type": "string", "pattern": "^[^\\\\\\x00-\\x1f]{0,200}$"}),
    }
}

impl Action {
    /// JSON Schema of this action's `field_mappings` object: required fields required,
    /// optional ones allowed, nothing else.
    pub fn field_mappings_schema(&self) -> Value {
        let mut props = Map::new();
        for f in self.required_fields.iter().chain(&self.optional_fields) {
            props.insert(f.name.clone(), field_schema(&f.field_type));
            if f.field_type == "lines" {
                // Tax posted apart from net lines.
                props.insert(
                    "TxnTaxDetail".into(),
                    json!({"type": "object", "properties": {"TotalTax": field_schema("number")},
                           "required": ["TotalTax"], "additionalProperties": false}),
                );
            }
        }
        json!({
            "type": "object",
            "properties": props,
            "required": self.required_fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
            "additionalProperties": false
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quickbooks_registry_covers_every_category() {
        let r = Registry::for_software("quickbooks").unwrap();
        assert!(r.actions.len() >= 25);
        for c in [
            "sales",
            "purchases",
            "banking",
            "entities",
            "inventory",
            "tax",
            "journal",
        ] {
            assert!(r.actions.iter().any(|a| a.category == c), "no {c} action");
        }
        let mut names = r.names();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), r.actions.len(), "duplicate action names");
        assert!(r.get("createBill").is_some());
    }

    /// Both registries validate against `schema/actions/registry.schema.json`; counts printed.
    #[test]
    fn registries_are_complete_and_every_required_field_has_a_source() {
        let schema: Value =
            serde_json::from_str(include_str!("../../../schema/actions/registry.schema.json"))
                .unwrap();
        let v = jsonschema::validator_for(&schema).unwrap();
        for (software, text, at_least) in [("quickbooks", QUICKBOOKS, 200), ("zoho", ZOHO, 120)] {
            let raw: Value = serde_json::from_str(text).unwrap();
            let errors: Vec<String> = v
                .iter_errors(&raw)
                .take(5)
                .map(|e| format!("{e} at {}", e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{software}: {errors:?}");
            let r = Registry::for_software(software).unwrap();
            let cats: std::collections::BTreeSet<&str> =
                r.actions.iter().map(|a| a.category.as_str()).collect();
            let documents = r
                .actions
                .iter()
                .filter(|a| !a.directions.is_empty())
                .count();
            println!(
                "{software}: {} actions in {} categories ({}), {documents} record documents",
                r.actions.len(),
                cats.len(),
                cats.iter().copied().collect::<Vec<_>>().join(", ")
            );
            assert!(
                r.actions.len() >= at_least,
                "{software}: {} actions",
                r.actions.len()
            );
            assert_eq!(cats.len(), 7, "{software}: {cats:?}");
            for a in &r.actions {
                for f in &a.required_fields {
                    assert!(
                        !f.source.is_empty() && f.source != "none",
                        "{software} {}.{} has no value source",
                        a.name,
                        f.name
                    );
                }
            }
            let mut names = r.names();
            names.sort();
            names.dedup();
            assert_eq!(
                names.len(),
                r.actions.len(),
                "{software}: duplicate action names"
            );
        }
        // Stage 1 never offers an API operation that records no document.
        let q = Registry::for_software("quickbooks").unwrap();
        assert!(!q.names_for("unknown", false).contains(&"getInvoice"));
        assert!(q.names_for("incoming", true).contains(&"createBill"));
    }

    #[test]
    fn ref_fields_require_lookup_references() {
        let s = field_schema("ref:Vendor");
        let v = jsonschema::validator_for(&s).unwrap();
        assert!(v.is_valid(&json!("{{lookup:Vendor:Sammy Maystone}}")));
        assert!(!v.is_valid(&json!("Sammy Maystone")));
        assert!(!v.is_valid(&json!("{{lookup:Customer:Sammy}}")));
    }
}

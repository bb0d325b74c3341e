//! The suggested actions of Stage 1: PREREQUISITEs (a counterparty the books do not know yet),
//! the PRIMARY action, FOLLOW_UPs (a payment shown on the document), each with its entity,
//! priority (the order to run them in), confidence, code-written reasoning and `requires`.

use serde_json::{json, Value};

use super::super::decisions::Rule;
use super::input::Stage1Input;

/// The PREREQUISITE that creates a counterparty of `role` (`vendor`, `customer`): the registry's
/// `createVendor` / `createCustomer`, or its `createContact` (Zoho Books keeps both as contacts).
fn create_party(
    registry: &crate::pipeline::registry::Registry,
    role: &str,
) -> Option<&'static str> {
    let own = match role {
        "vendor" => "createVendor",
        "customer" => "createCustomer",
        _ => return None,
    };
    [own, "createContact"]
        .into_iter()
        .find(|a| registry.get(a).is_some())
}

/// Items named on sales lines that the business's item list lacks (only when it has one).
fn unknown_items(input: &Stage1Input<'_>) -> Vec<String> {
    let items = &input.profile.items;
    if items.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for l in input.extracted["line_items"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let Some(d) = l["description"].as_str() else {
            continue;
        };
        let known = items
            .iter()
            .any(|i| super::super::direction::same_name(i, d));
        if !known && !out.iter().any(|o| o == d) {
            out.push(d.to_string());
        }
    }
    out
}

/// The suggested actions for the row `rule` and the chosen PRIMARY `(action, confidence, why)`.
pub(super) fn suggest(
    input: &Stage1Input<'_>,
    rule: &Rule,
    chosen: Option<&(String, i64, String)>,
    party_known: bool,
) -> Vec<Value> {
    let Some((primary, conf, why)) = chosen else {
        return Vec::new();
    };
    let entity = |a: &str| {
        input
            .registry
            .get(a)
            .map(|x| x.entity.clone())
            .unwrap_or_default()
    };
    let party = input.sides.counterparty["name"]
        .as_str()
        .unwrap_or("the counterparty");
    let mut out = Vec::new();
    let mut prereqs = Vec::new();
    if !party_known {
        if let Some(a) = create_party(input.registry, &rule.party_role) {
            prereqs.push(json!({"action": a, "entity": entity(a), "action_type": "PREREQUISITE",
                "confidence": 90, "requires": [],
                "reasoning": format!("{party} is not among the business's known {}s", rule.party_role)}));
        }
    }
    if primary.as_str() != "createPurchaseOrder" && rule.party_role == "customer" {
        for item in unknown_items(input) {
            prereqs.push(json!({"action": "createItem", "entity": entity("createItem"), "action_type": "PREREQUISITE",
                "confidence": 85, "requires": [], "item": item,
                "reasoning": format!("the item {item:?} is not in the business's item list")}));
        }
    }
    let requires: Vec<String> = prereqs
        .iter()
        .filter_map(|p| p["action"].as_str().map(str::to_string))
        .collect();
    out.extend(prereqs);
    out.push(
        json!({"action": primary, "entity": entity(primary), "action_type": "PRIMARY",
        "confidence": conf, "requires": requires, "reasoning": why}),
    );
    let follow: Vec<&String> = rule
        .follow_ups
        .iter()
        .chain(rule.follow_ups_of.get(primary).into_iter().flatten())
        .collect();
    for f in follow {
        out.push(
            json!({"action": f, "entity": entity(f), "action_type": "FOLLOW_UP",
            "confidence": conf.saturating_sub(5), "requires": [primary],
            "reasoning": format!("the document shows the payment ({})",
                input.extracted["payment"]["evidence"].as_str().unwrap_or("paid"))}),
        );
    }
    for (i, a) in out.iter_mut().enumerate() {
        a["priority"] = json!(i + 1);
    }
    out
}

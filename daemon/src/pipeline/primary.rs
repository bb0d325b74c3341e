//! The PRIMARY-action safety net (kept from the seed backend): whatever the model returns,
//! a Stage 1 result has exactly one PRIMARY action.
//! - no PRIMARY → the highest-confidence action is promoted;
//! - several → the highest-confidence one stays PRIMARY, the others become FOLLOW_UP with
//!   `optional: true` and `requires_user_confirmation: true`.
//!
//! Ties go to the earlier action. Also drops repeated suggestions of the same action (the first
//! one, whatever its role, is kept).

use serde_json::Value;

/// Enforce the rule on `stage1["suggested_actions"]`; returns a note per correction made.
pub fn enforce_single_primary(stage1: &mut Value) -> Vec<String> {
    let mut notes = Vec::new();
    let Some(actions) = stage1
        .get_mut("suggested_actions")
        .and_then(Value::as_array_mut)
    else {
        return notes;
    };
    // One suggestion per action: the first (PRIMARY comes first in generation) wins.
    let mut seen: Vec<String> = Vec::new();
    actions.retain(|a| {
        let name = a["action"].as_str().unwrap_or_default().to_string();
        if seen.contains(&name) {
            return false;
        }
        seen.push(name);
        true
    });
    if actions.is_empty() {
        return notes;
    }
    let conf = |a: &Value| a["confidence"].as_i64().unwrap_or(0);
    let best_of = |idx: &mut dyn Iterator<Item = usize>, actions: &Vec<Value>| {
        let mut best: Option<usize> = None;
        for i in idx {
            if best.is_none_or(|b| conf(&actions[i]) > conf(&actions[b])) {
                best = Some(i);
            }
        }
        best
    };
    let primaries: Vec<usize> = (0..actions.len())
        .filter(|&i| actions[i]["action_type"] == "PRIMARY")
        .collect();
    match primaries.len() {
        0 => {
            let best = best_of(&mut (0..actions.len()), actions).expect("non-empty");
            let name = actions[best]["action"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            actions[best]["action_type"] = "PRIMARY".into();
            notes.push(format!(
                "no PRIMARY action was suggested; promoted {name} (highest confidence)"
            ));
        }
        1 => {}
        _ => {
            let keep = best_of(&mut primaries.iter().copied(), actions).expect("non-empty");
            for &i in &primaries {
                if i != keep {
                    let name = actions[i]["action"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    actions[i]["action_type"] = "FOLLOW_UP".into();
                    actions[i]["optional"] = true.into();
                    actions[i]["requires_user_confirmation"] = true.into();
                    notes.push(format!(
                        "{name} was also PRIMARY; demoted to an optional FOLLOW_UP"
                    ));
                }
            }
        }
    }
    // PRIMARY first, then PREREQUISITE, then FOLLOW_UP: the order a reviewer reads.
    let rank = |a: &Value| match a["action_type"].as_str() {
        Some("PRIMARY") => 0,
        Some("PREREQUISITE") => 1,
        _ => 2,
    };
    actions.sort_by_key(rank);
    notes
}

/// Whether Stage 2 maps an action (the seed's filter): PRIMARY and PREREQUISITE always when
/// confidence ≥ 0, others need ≥ 65, FOLLOW_UP ≥ 80.
pub fn passes_stage2_filter(action: &Value) -> bool {
    let c = action["confidence"].as_i64().unwrap_or(0);
    match action["action_type"].as_str() {
        Some("PRIMARY") | Some("PREREQUISITE") => true,
        Some("FOLLOW_UP") => c >= 80,
        _ => c >= 65,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn roles(v: &Value) -> Vec<(String, String)> {
        v["suggested_actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["action"].as_str().unwrap().into(),
                    a["action_type"].as_str().unwrap().into(),
                )
            })
            .collect()
    }

    #[test]
    fn promotes_the_most_confident_when_none_is_primary() {
        let mut v = json!({"suggested_actions": [
            {"action": "createVendor", "action_type": "PREREQUISITE", "confidence": 70},
            {"action": "createBill", "action_type": "FOLLOW_UP", "confidence": 90}]});
        let notes = enforce_single_primary(&mut v);
        assert_eq!(notes.len(), 1);
        assert_eq!(roles(&v)[0], ("createBill".into(), "PRIMARY".into()));
    }

    #[test]
    fn demotes_extra_primaries() {
        let mut v = json!({"suggested_actions": [
            {"action": "recordExpense", "action_type": "PRIMARY", "confidence": 60},
            {"action": "createBill", "action_type": "PRIMARY", "confidence": 85},
            {"action": "createBill", "action_type": "PRIMARY", "confidence": 85}]});
        enforce_single_primary(&mut v);
        let a = v["suggested_actions"].as_array().unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(
            a.iter().filter(|x| x["action_type"] == "PRIMARY").count(),
            1
        );
        assert_eq!(a[0]["action"], "createBill");
        assert_eq!(a[1]["action_type"], "FOLLOW_UP");
        assert_eq!(a[1]["optional"], true);
        assert_eq!(a[1]["requires_user_confirmation"], true);
    }

    #[test]
    fn an_action_is_suggested_once() {
        let mut v = json!({"suggested_actions": [
            {"action": "createBill", "action_type": "PRIMARY", "confidence": 90},
            {"action": "createBill", "action_type": "FOLLOW_UP", "confidence": 95},
            {"action": "createVendor", "action_type": "PREREQUISITE", "confidence": 80}]});
        enforce_single_primary(&mut v);
        assert_eq!(
            roles(&v),
            vec![
                ("createBill".into(), "PRIMARY".into()),
                ("createVendor".into(), "PREREQUISITE".into())
            ]
        );
    }

    #[test]
    fn stage2_filter_follows_the_seed_thresholds() {
        assert!(passes_stage2_filter(
            &json!({"action_type": "PRIMARY", "confidence": 10})
        ));
        assert!(passes_stage2_filter(
            &json!({"action_type": "PREREQUISITE", "confidence": 10})
        ));
        assert!(!passes_stage2_filter(
            &json!({"action_type": "FOLLOW_UP", "confidence": 79})
        ));
        assert!(passes_stage2_filter(
            &json!({"action_type": "FOLLOW_UP", "confidence": 80})
        ));
    }
}

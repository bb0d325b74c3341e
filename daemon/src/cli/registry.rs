//! `zopilot registry list [--software zoho] [--category C] [--json]`: the accounting actions the
//! registry knows (`schema/actions/<software>.json`).

use std::process::ExitCode;

use anyhow::Result;

use crate::pipeline::registry::Registry;

/// Print the actions of `software`, one per line (name, category, entity, whether it can be
/// PRIMARY, required fields with their value sources), or the registry as JSON.
pub fn list(software: &str, category: Option<&str>, json: bool) -> Result<ExitCode> {
    let r = Registry::for_software(software)?;
    let actions: Vec<_> = r
        .actions
        .iter()
        .filter(|a| category.is_none_or(|c| a.category == c))
        .collect();
    if json {
        println!("{}", serde_json::to_string_pretty(&actions)?);
        return Ok(ExitCode::SUCCESS);
    }
    for a in &actions {
        let fields: Vec<String> = a
            .required_fields
            .iter()
            .map(|f| format!("{}←{}", f.name, f.source))
            .collect();
        println!(
            "{:<34} {:<10} {:<20} {:<8} {}",
            a.name,
            a.category,
            a.entity,
            if a.can_be_primary { "PRIMARY" } else { "" },
            fields.join(", ")
        );
    }
    eprintln!("{} actions ({})", actions.len(), r.software);
    Ok(ExitCode::SUCCESS)
}

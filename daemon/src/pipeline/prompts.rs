//! Prompt templates (`schema/prompts/*.j2`, minijinja). Each stage has a system template — the
//! parts that are the same for every document (instructions, registry, business profile) so a
//! prefix cache can reuse them — and a user template with the document.

use anyhow::{anyhow, Result};
use minijinja::Environment;
use serde::Serialize;

const TEMPLATES: &[(&str, &str)] = &[
    (
        "extract.system",
        include_str!("../../../schema/prompts/extract.system.j2"),
    ),
    (
        "extract.user",
        include_str!("../../../schema/prompts/extract.user.j2"),
    ),
    (
        "stage1.system",
        include_str!("../../../schema/prompts/stage1.system.j2"),
    ),
    (
        "stage1.user",
        include_str!("../../../schema/prompts/stage1.user.j2"),
    ),
    (
        "stage2.system",
        include_str!("../../../schema/prompts/stage2.system.j2"),
    ),
    (
        "stage2.user",
        include_str!("../../../schema/prompts/stage2.user.j2"),
    ),
];

/// The compiled prompt templates.
pub struct Prompts {
    env: Environment<'static>,
}

impl Prompts {
    pub fn new() -> Result<Prompts> {
        let mut env = Environment::new();
        for (name, src) in TEMPLATES {
            env.add_template(name, src)
                .map_err(|e| anyhow!("prompt template {name}: {e}"))?;
        }
        Ok(Prompts { env })
    }

    /// Render template `name` (e.g. `stage1.system`) with `ctx`.
    pub fn render<S: Serialize>(&self, name: &str, ctx: S) -> Result<String> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(minijinja::Value::from(minijinja::value::Serde(&ctx))))
            .map_err(|e| anyhow!("rendering prompt {name}: {e}"))
    }
}

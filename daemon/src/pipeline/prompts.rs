//! Prompt templates (`schema/prompts/*.j2`, minijinja): the model's choice among a field's
//! candidates (`read.*`: the document, then one question per field) and its judgments among
//! options (`judge.*`). Each starts with a system template — the same for every document, so a
//! prefix cache can reuse it — then the document's part.

use anyhow::{anyhow, Result};
use minijinja::Environment;
use serde::Serialize;

const TEMPLATES: &[(&str, &str)] = &[
    (
        "read.system",
        include_str!("../../../schema/prompts/read.system.j2"),
    ),
    (
        "read.document",
        include_str!("../../../schema/prompts/read.document.j2"),
    ),
    (
        "read.question",
        include_str!("../../../schema/prompts/read.question.j2"),
    ),
    (
        "judge.system",
        include_str!("../../../schema/prompts/judge.system.j2"),
    ),
    (
        "judge.user",
        include_str!("../../../schema/prompts/judge.user.j2"),
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

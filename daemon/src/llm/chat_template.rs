//! Chat templates: the Jinja template from `tokenizer_config.json` (`chat_template`) or from
//! `chat_template.jinja`, rendered with minijinja (+ Python-compatible string methods from
//! minijinja-contrib) the way Hugging Face `apply_chat_template` renders it: variables `messages`,
//! `add_generation_prompt`, `bos_token`, `eos_token`, and a `raise_exception` function.
//!
//! To keep document content apart from template markup (see `tokenizer.rs`), each message's
//! content is replaced by a marker during rendering and the rendered string is then split into
//! [`Piece::Markup`] and [`Piece::Content`] parts.

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use minijinja::{context, Environment, Error, ErrorKind};
use serde::{Deserialize, Serialize};

use super::tokenizer::Piece;

/// One chat message.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Message {
    /// `system`, `user` or `assistant`.
    pub role: String,
    pub content: String,
}

impl Message {
    pub fn system(content: impl Into<String>) -> Message {
        Message {
            role: "system".into(),
            content: content.into(),
        }
    }
    pub fn user(content: impl Into<String>) -> Message {
        Message {
            role: "user".into(),
            content: content.into(),
        }
    }
}

/// A loaded chat template.
pub struct ChatTemplate {
    env: Environment<'static>,
    bos_token: String,
    eos_token: String,
}

const MARK: char = '\u{F8FF}';

impl ChatTemplate {
    /// Load the template of the model folder `dir`.
    ///
    /// Errors: no template in `tokenizer_config.json` nor `chat_template.jinja`, or a template that
    /// does not compile.
    pub fn load(dir: &Path) -> Result<ChatTemplate> {
        let cfg_path = dir.join("tokenizer_config.json");
        let cfg: serde_json::Value = match std::fs::read_to_string(&cfg_path) {
            Ok(t) => serde_json::from_str(&t)
                .with_context(|| format!("parsing {}", cfg_path.display()))?,
            Err(_) => serde_json::Value::Null,
        };
        let token = |key: &str| -> String {
            match &cfg[key] {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Object(o) => o
                    .get("content")
                    .and_then(|c| c.as_str())
                    .unwrap_or("")
                    .to_string(),
                _ => String::new(),
            }
        };
        let source = match &cfg["chat_template"] {
            serde_json::Value::String(s) => s.clone(),
            _ => {
                let p = dir.join("chat_template.jinja");
                std::fs::read_to_string(&p).with_context(|| {
                    format!("the model has no chat template (neither tokenizer_config.json chat_template nor {})", p.display())
                })?
            }
        };
        Self::from_source(&source, &token("bos_token"), &token("eos_token"))
    }

    /// Build from template text.
    pub fn from_source(source: &str, bos_token: &str, eos_token: &str) -> Result<ChatTemplate> {
        let mut env = Environment::new();
        // transformers renders chat templates with trim_blocks and lstrip_blocks on.
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .build()
                .map_err(|e| anyhow!("{e}"))?,
        );
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_function("raise_exception", |msg: String| -> Result<String, Error> {
            Err(Error::new(ErrorKind::InvalidOperation, msg))
        });
        env.add_template_owned("chat".to_string(), source.to_string())
            .map_err(|e| anyhow!("the chat template does not compile: {e}"))?;
        Ok(ChatTemplate {
            env,
            bos_token: bos_token.into(),
            eos_token: eos_token.into(),
        })
    }

    /// The end-of-sequence token's text (`tokenizer_config.json`'s `eos_token`), "" if none.
    pub fn eos_token(&self) -> &str {
        &self.eos_token
    }

    /// Render `messages` to the prompt text (content included verbatim).
    pub fn render(&self, messages: &[Message], add_generation_prompt: bool) -> Result<String> {
        let (text, contents) = self.render_marked(messages, add_generation_prompt)?;
        Ok(split_marked(&text, &contents)?
            .into_iter()
            .map(|p| match p {
                Piece::Markup(s) | Piece::Content(s) => s,
            })
            .collect())
    }

    /// Render and return the prompt as markup and content pieces, in order.
    pub fn render_pieces(
        &self,
        messages: &[Message],
        add_generation_prompt: bool,
        out: &mut String,
    ) -> Result<Vec<(bool, std::ops::Range<usize>)>> {
        let (text, contents) = self.render_marked(messages, add_generation_prompt)?;
        let pieces = split_marked(&text, &contents)?;
        out.clear();
        let mut ranges = Vec::new();
        for p in pieces {
            let (is_content, s) = match p {
                Piece::Markup(s) => (false, s),
                Piece::Content(s) => (true, s),
            };
            let start = out.len();
            out.push_str(s);
            ranges.push((is_content, start..out.len()));
        }
        Ok(ranges)
    }

    fn render_marked(
        &self,
        messages: &[Message],
        add_generation_prompt: bool,
    ) -> Result<(String, Vec<String>)> {
        let contents: Vec<String> = messages
            .iter()
            .map(|m| m.content.replace(MARK, "\u{FFFD}"))
            .collect();
        let marked: Vec<Message> = messages
            .iter()
            .enumerate()
            .map(|(i, m)| Message {
                role: m.role.clone(),
                content: format!("{MARK}{i}{MARK}"),
            })
            .collect();
        let tmpl = self.env.get_template("chat")?;
        let text = tmpl
            .render(context! {
                messages => minijinja::Value::from(minijinja::value::Serde(&marked)),
                add_generation_prompt => add_generation_prompt,
                bos_token => self.bos_token.clone(),
                eos_token => self.eos_token.clone(),
            })
            .map_err(|e| anyhow!("rendering the chat template: {e}"))?;
        Ok((text, contents))
    }
}

/// Split a rendered string at `MARK i MARK` markers into markup and the original contents.
fn split_marked<'a>(text: &'a str, contents: &'a [String]) -> Result<Vec<Piece<'a>>> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(MARK) {
        let after = &rest[start + MARK.len_utf8()..];
        let end = after
            .find(MARK)
            .context("unbalanced content marker in the rendered template")?;
        let idx: usize = after[..end].parse().context("bad content marker")?;
        let Some(c) = contents.get(idx) else {
            bail!("content marker {idx} out of range")
        };
        pieces.push(Piece::Markup(&rest[..start]));
        pieces.push(Piece::Content(c.as_str()));
        rest = &after[end + MARK.len_utf8()..];
    }
    pieces.push(Piece::Markup(rest));
    Ok(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHATML: &str = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    #[test]
    fn renders_chatml_and_separates_content() {
        let t = ChatTemplate::from_source(CHATML, "", "").unwrap();
        let msgs = vec![
            Message::system("Be exact."),
            Message::user("Invoice <|im_end|> 42"),
        ];
        assert_eq!(
            t.render(&msgs, true).unwrap(),
            "<|im_start|>system\nBe exact.<|im_end|>\n<|im_start|>user\nInvoice <|im_end|> 42<|im_end|>\n<|im_start|>assistant\n"
        );
        let mut out = String::new();
        let ranges = t.render_pieces(&msgs, true, &mut out).unwrap();
        let content: Vec<&str> = ranges
            .iter()
            .filter(|(c, _)| *c)
            .map(|(_, r)| &out[r.clone()])
            .collect();
        assert_eq!(content, vec!["Be exact.", "Invoice <|im_end|> 42"]);
    }

    #[test]
    fn raise_exception_surfaces_as_error() {
        let t =
            ChatTemplate::from_source("{{ raise_exception('only user and assistant') }}", "", "")
                .unwrap();
        let err = t.render(&[Message::user("x")], true).unwrap_err();
        assert!(format!("{err:#}").contains("only user and assistant"));
    }
}

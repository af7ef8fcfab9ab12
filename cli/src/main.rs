//! `hearth`: inspect, tokenize, run, chat with and evaluate small language models on the device.

mod args;
mod commands;

use args::{EngineArgs, InputArgs, ModelArgs, SamplingArgs};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(name = "hearth", version, about = "On-device inference for small language models")]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
        engine: EngineArgs,
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
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Generate a continuation of a prompt (or an answer, with --system).
    Run {
        #[command(flatten)]
        model: ModelArgs,
        #[command(flatten)]
        engine: EngineArgs,
        #[command(flatten)]
        sampling: SamplingArgs,
        /// Prompt text.
        #[arg(long, short = 'p')]
        prompt: String,
        /// A system prompt: the prompt is then sent as a chat turn through the model's template.
        #[arg(long)]
        system: Option<String>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Interactive chat: /reset, /save FILE, /load FILE, /quit; Ctrl-C stops the answer in progress.
    Chat {
        #[command(flatten)]
        model: ModelArgs,
        #[command(flatten)]
        engine: EngineArgs,
        #[command(flatten)]
        sampling: SamplingArgs,
        /// System prompt.
        #[arg(long)]
        system: Option<String>,
    },
    /// Perplexity of MODEL on a text file, computed as llama.cpp's perplexity tool does.
    Perplexity {
        #[command(flatten)]
        model: ModelArgs,
        #[command(flatten)]
        engine: EngineArgs,
        /// Text file to evaluate.
        #[arg(long)]
        file: PathBuf,
        /// Window size in tokens.
        #[arg(long = "window", default_value_t = 512)]
        window: usize,
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Info { model, json } => commands::info::run(&model, json),
        Command::Tokenize { model, text, file, no_bos, json } => {
            commands::tokenize::run(&model, text, file, no_bos, json)
        }
        Command::Logits { model, engine, input, top, all, no_bos, json } => {
            let a = commands::logits::LogitsArgs { top, all, no_bos, json };
            commands::logits::run(&model, &engine, &input, a)
        }
        Command::Run { model, engine, sampling, prompt, system, json } => {
            commands::generate::run(&model, &engine, &sampling, &prompt, system.as_deref(), json)
        }
        Command::Chat { model, engine, sampling, system } => {
            commands::chat::run(&model, &engine, &sampling, system.as_deref())
        }
        Command::Perplexity { model, engine, file, window, json } => {
            commands::perplexity::run(&model, &engine, &file, window, json)
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

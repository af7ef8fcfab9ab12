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
    /// Write a GGUF with seeded random weights and the dimensions of a real model.
    Synth {
        /// smollm2-135m, smollm2-360m, qwen2.5-0.5b, llama-3.2-1b or qwen2.5-1.5b.
        #[arg(long)]
        shape: String,
        /// f16, q8_0, q4_0, q4_k, or q4_k_m (llama.cpp's mix: Q4_K, with Q6_K
        /// for the output and for attn_v and ffn_down in some blocks).
        #[arg(long)]
        quant: String,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
        /// Seed of the weights.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// Prefill/decode speed, time to first token, load time and memory (medians over --repeat).
    Bench {
        /// A model file or folder.
        #[arg(long, short = 'm', conflicts_with = "synthetic", required_unless_present_any = ["synthetic", "roofline", "kernels"])]
        model: Option<PathBuf>,
        /// Benchmark a synthetic model of this shape instead (see `hearth synth`).
        #[arg(long)]
        synthetic: Option<String>,
        /// Quantization of the synthetic model.
        #[arg(long, default_value = "q4_0")]
        quant: String,
        #[command(flatten)]
        engine: EngineArgs,
        /// Prompt tokens (random ids).
        #[arg(long, default_value_t = 512)]
        prompt_tokens: usize,
        /// Generated tokens (greedy).
        #[arg(long, default_value_t = 128)]
        gen_tokens: usize,
        /// Repeats; medians are reported with min and max.
        #[arg(long, default_value_t = 3)]
        repeat: usize,
        /// Time the first call too: no untimed warm-up pass (one prefill and
        /// two decode steps, as llama-bench's) before the repeats (GPU backend).
        #[arg(long)]
        no_warmup: bool,
        /// Measure only the adapter's roofline: streaming-read and copy bandwidth, FMA throughput.
        #[arg(long, conflicts_with_all = ["model", "synthetic", "kernels"])]
        roofline: bool,
        /// Kernel microbenchmarks: matvec and matmul per weight type at the matrices of --shape.
        #[arg(long, conflicts_with_all = ["model", "synthetic"])]
        kernels: bool,
        /// Model shape whose matrices `--kernels` uses.
        #[arg(long, default_value = "llama-3.2-1b")]
        shape: String,
        /// Also time each kernel of decode and prefill on the GPU (timestamp queries).
        #[arg(long, conflicts_with_all = ["roofline", "kernels"])]
        profile: bool,
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
        Command::Synth { shape, quant, out, seed } => commands::synth::run(&shape, &quant, &out, seed),
        Command::Bench {
            model,
            synthetic,
            quant,
            engine,
            prompt_tokens,
            gen_tokens,
            repeat,
            no_warmup,
            roofline,
            kernels,
            shape,
            profile,
            json,
        } => {
            if roofline || kernels {
                let shape = kernels.then_some(shape.as_str());
                commands::roofline::run(shape, prompt_tokens, &engine, json)
            } else {
                let b = commands::bench::BenchArgs {
                    model,
                    synthetic,
                    quant,
                    prompt_tokens,
                    gen_tokens,
                    repeat,
                    warmup: !no_warmup,
                    profile,
                    json,
                };
                commands::bench::run(&b, &engine)
            }
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

//! Byte-level BPE (GGUF model `gpt2`) on top of the `tokenizers` crate.
//!
//! The pipeline is the one Hugging Face uses for these models: split the text
//! with the model's pre-tokenizer regexes (each regex splits every piece the
//! previous one left, keeping matches and the text between them), map bytes
//! to GPT-2's printable alphabet, then merge by rank. GGUF names the regex set
//! by `tokenizer.ggml.pre`; the table below gives, for each name, the regexes
//! that llama.cpp uses for it (adapted from the models' tokenizer.json).

use super::vocab::Vocab;
use crate::error::{Error, Result};
use tokenizers::models::bpe::{Merges, Vocab as BpeVocab, BPE};
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::pre_tokenizers::PreTokenizerWrapper;
use tokenizers::SplitDelimiterBehavior;

/// GPT-2's pattern, used by many families as is.
const GPT2: &str = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)";
/// Llama 3's pattern (tiktoken cl100k style) with the case-insensitive
/// contractions spelled out for ASCII, as llama.cpp does.
const LLAMA3: &str = r"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
/// Qwen2's pattern: Llama 3's with single digits.
const QWEN2: &str = r"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
/// CJK ranges shared by the DeepSeek pre-tokenizers.
const DEEPSEEK_CJK: &str = "[一-龥ࠀ-一가-퟿]+";
/// DeepSeek LLM's letter class (cased letters of an older Unicode version, as
/// its tokenizer.json lists them), written as escapes because several of these code points
/// (OHM SIGN, KELVIN SIGN, Greek oxia forms) would be changed by Unicode
/// normalization of the source text.
const DEEPSEEK_LLM_LETTERS: &str = concat!(
    "\\s?[",
    "A-Za-z\u{B5}\u{C0}-\u{D6}\u{D8}-\u{F6}\u{F8}-\u{1BA}\u{1BC}-\u{1BF}\u{1C4}-\u{293}",
    "\u{295}-\u{2AF}\u{370}-\u{373}\u{376}\u{377}\u{37B}-\u{37D}\u{37F}\u{386}\u{388}-\u{38A}",
    "\u{38C}\u{38E}-\u{3A1}\u{3A3}-\u{3F5}\u{3F7}-\u{481}\u{48A}-\u{52F}\u{531}-\u{556}",
    "\u{10A0}-\u{10C5}\u{13A0}-\u{13F5}\u{13F8}-\u{13FD}\u{1C90}-\u{1CBA}\u{1CBD}-\u{1CBF}",
    "\u{1D00}-\u{1D2B}\u{1D6B}-\u{1D77}\u{1D79}-\u{1D9A}\u{1E00}-\u{1F15}\u{1F18}-\u{1F1D}",
    "\u{1F20}-\u{1F45}\u{1F48}-\u{1F4D}\u{1F50}-\u{1F57}\u{1F59}\u{1F5B}\u{1F5D}\u{1F5F}-",
    "\u{1F7D}\u{1F80}-\u{1FB4}\u{1FB6}-\u{1FBC}\u{1FBE}\u{1FC2}-\u{1FC4}\u{1FC6}-\u{1FCC}",
    "\u{1FD0}-\u{1FD3}\u{1FD6}-\u{1FDB}\u{1FE0}-\u{1FEC}\u{1FF2}-\u{1FF4}\u{1FF6}-\u{1FFC}",
    "\u{2102}\u{2107}\u{210A}-\u{2113}\u{2115}\u{2119}-\u{211D}\u{2124}\u{2126}\u{2128}",
    "\u{212A}-\u{212D}\u{212F}-\u{2134}\u{2139}\u{213C}-\u{213F}\u{2145}-\u{2149}\u{214E}",
    "\u{2183}\u{2184}\u{2C00}-\u{2C7B}\u{2C7E}-\u{2CE4}\u{2CEB}-\u{2CEE}\u{2CF2}\u{2CF3}",
    "\u{A640}-\u{A66D}\u{A680}-\u{A69B}\u{A722}-\u{A76F}\u{A771}-\u{A787}\u{A78B}-\u{A78E}",
    "\u{AB70}-\u{ABBF}\u{FB00}-\u{FB06}\u{FB13}-\u{FB17}\u{FF21}-\u{FF3A}\u{FF41}-\u{FF5A}",
    "\u{10400}-\u{1044F}\u{104B0}-\u{104D3}\u{104D8}-\u{104FB}\u{10C80}-\u{10CB2}\u{10CC0}-",
    "\u{10CF2}\u{118A0}-\u{118DF}\u{1E900}-\u{1E943}",
    "]+"
);
const TEKKEN: &str = r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+";
const GPT4O: &str = r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+";
const BLOOM: &str = r" ?[^(\s|.,!?…。，、।۔،)]+";

/// How one `tokenizer.ggml.pre` value pre-tokenizes.
#[derive(Debug, Clone)]
pub(crate) struct PreTokenizer {
    pub regexes: Vec<&'static str>,
    /// Look the whole pre-token up in the vocabulary before merging (Llama 3
    /// and Tekken do this: some pre-tokens are tokens no merge path reaches).
    pub ignore_merges: bool,
}

/// The regex set for a `tokenizer.ggml.pre` name, or `None` when unknown.
pub(crate) fn pre_tokenizer(pre: &str) -> Option<PreTokenizer> {
    let (regexes, ignore_merges): (Vec<&'static str>, bool) = match pre {
        "default" => (vec![r"[\p{P}\$\+<=>\^~\|]+", GPT2, r"\p{N}+", "[0-9][0-9][0-9]"], false),
        "llama3" | "llama-v3" | "llama-bpe" | "falcon3" | "falcon-h1" | "pixtral" | "midm-2.0" | "lfm2" => {
            (vec![LLAMA3], true)
        }
        "dbrx" | "smaug-bpe" | "chatglm-bpe" => (vec![LLAMA3], false),
        "deepseek-llm" => (
            vec!["[\r\n]", DEEPSEEK_LLM_LETTERS, r"\s?[!-/:-~！-／：-～‘-‟　-。]+", r"\s+$", DEEPSEEK_CJK, r"\p{N}+"],
            false,
        ),
        "deepseek-coder" => (vec!["[\r\n]", r"\s?\p{L}+", r"\s?\p{P}+", DEEPSEEK_CJK, r"\p{N}"], false),
        "deepseek-v3" => (
            vec![
                r"\p{N}{1,3}",
                "[一-龥぀-ゟ゠-ヿ]+",
                r##"[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"##,
            ],
            false,
        ),
        "falcon" => (vec![r"[\p{P}\$\+<=>\^~\|`]+", GPT2, "[0-9][0-9][0-9]"], false),
        "starcoder" | "refact" | "command-r" | "smollm" | "codeshell" | "exaone" | "minerva-7b" => {
            (vec![r"\p{N}", GPT2], false)
        }
        "gpt-2" | "phi-2" | "jina-es" | "jina-de" | "gigachat" | "jina-v2-es" | "jina-v2-de" | "jina-v1-en"
        | "jina-v2-code" | "roberta-bpe" | "mpt" | "olmo" | "jais" | "trillion" | "a.x-4.0" | "mellum" => {
            (vec![GPT2], false)
        }
        "qwen2" | "deepseek-r1-qwen" | "megrez" | "stablelm2" | "hunyuan" => (vec![QWEN2], false),
        "poro-chat" | "bloom" | "gpt3-finnish" => (vec![BLOOM], false),
        "viking" => (vec![BLOOM, r"\p{N}"], false),
        "tekken" => (vec![TEKKEN], true),
        "gpt-4o" | "llama4" => (vec![GPT4O], false),
        _ => return None,
    };
    Some(PreTokenizer { regexes, ignore_merges })
}

/// A byte-level BPE encoder built from GGUF vocabulary and merges.
pub(crate) struct ByteLevelBpe {
    tok: tokenizers::Tokenizer,
}

impl std::fmt::Debug for ByteLevelBpe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ByteLevelBpe").finish_non_exhaustive()
    }
}

/// Split one GGUF merge line "left right" at the first space after the first
/// byte (a side is never empty; neither contains a space in byte-level form).
fn split_merge(line: &str) -> Option<(&str, &str)> {
    let pos = line.as_bytes().iter().skip(1).position(|&b| b == b' ')? + 1;
    Some((line.get(..pos)?, line.get(pos + 1..)?))
}

impl ByteLevelBpe {
    /// Build from the vocabulary, the merge lines and the pre-tokenizer.
    /// `bad` turns a reason into the caller's typed metadata error.
    pub fn new(vocab: &Vocab, merges: &[&str], pre: &PreTokenizer, bad: &dyn Fn(String) -> Error) -> Result<Self> {
        let bpe_vocab: BpeVocab = vocab.ids.iter().map(|(k, &v)| (k.clone(), v)).collect();
        // Pairs whose parts or result are missing from the vocabulary can
        // never apply to a token sequence the model knows; the crate rejects
        // them, so skip them (llama.cpp tolerates them the same way). The
        // check reuses one buffer: this loop runs 280k times for Llama 3.
        // A repeated pair keeps its last rank here (llama.cpp: its first);
        // real merge lists have no repeats, and deduplicating would cost a
        // set of all pairs.
        let mut list: Merges = Vec::with_capacity(merges.len());
        let mut joined = String::new();
        let mut skipped = 0usize;
        for (i, line) in merges.iter().enumerate() {
            let (a, b) = split_merge(line).ok_or_else(|| bad(format!("merge #{i} {line:?} has no space")))?;
            joined.clear();
            joined.push_str(a);
            joined.push_str(b);
            if bpe_vocab.contains_key(a) && bpe_vocab.contains_key(b) && bpe_vocab.contains_key(joined.as_str()) {
                list.push((a.to_owned(), b.to_owned()));
            } else {
                skipped += 1;
            }
        }
        if skipped > 0 {
            tracing::warn!(skipped, "BPE merges naming tokens outside the vocabulary were ignored");
        }
        let model = BPE::builder()
            .vocab_and_merges(bpe_vocab, list)
            .ignore_merges(pre.ignore_merges)
            .build()
            .map_err(|e| bad(format!("building BPE: {e}")))?;
        let mut steps: Vec<PreTokenizerWrapper> = Vec::with_capacity(pre.regexes.len() + 1);
        for re in &pre.regexes {
            let split = Split::new(SplitPattern::Regex((*re).to_owned()), SplitDelimiterBehavior::Isolated, false)
                .map_err(|e| Error::Tokenizer { reason: format!("pre-tokenizer regex {re:?}: {e}") })?;
            steps.push(split.into());
        }
        // The regexes above already split; ByteLevel only maps bytes to its alphabet.
        steps.push(ByteLevel::new(false, false, false).into());
        let mut tok = tokenizers::Tokenizer::new(model);
        tok.with_pre_tokenizer(Some(Sequence::new(steps)));
        Ok(ByteLevelBpe { tok })
    }

    /// Encode one text fragment (no special tokens inside) and append the ids.
    pub fn encode(&self, text: &str, out: &mut Vec<u32>) -> Result<()> {
        super::encode_fragment(&self.tok, text, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_lines() {
        assert_eq!(split_merge("Ġ t"), Some(("Ġ", "t")));
        assert_eq!(split_merge("ĠĠ ĠĠ"), Some(("ĠĠ", "ĠĠ")));
        assert_eq!(split_merge("abc"), None);
        assert_eq!(split_merge(" "), None);
        assert_eq!(split_merge("a "), Some(("a", "")));
    }

    #[test]
    fn every_regex_compiles() {
        for pre in ["default", "llama-bpe", "deepseek-llm", "deepseek-coder", "deepseek-v3", "falcon", "starcoder"]
            .into_iter()
            .chain(["gpt-2", "qwen2", "bloom", "viking", "tekken", "gpt-4o", "dbrx"])
        {
            let p = pre_tokenizer(pre);
            assert!(p.is_some(), "{pre}");
            for re in p.map(|p| p.regexes).unwrap_or_default() {
                assert!(fancy_regex::Regex::new(re).is_ok(), "{pre}: {re}");
            }
        }
        assert!(pre_tokenizer("no-such-pre").is_none());
    }
}

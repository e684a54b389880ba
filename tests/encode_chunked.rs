//! `encode` cuts a huge line into pieces (`tokstat::tokenizer::chunked`); the result must be the
//! whole-line encoding, id for id, offset for offset, on the real tokenizers.

mod common;

use common::root;

use tokstat::tokenizer::{self, Tokenizer, chunked};

/// Real text of every kind the corpora hold (code, prose in many scripts), joined into one long
/// line: newlines become spaces or are kept, so that both single and double spaces occur.
fn long_line() -> String {
    let mut files = Vec::new();
    for dir in ["corpora/code", "corpora/multilingual"] {
        let mut stack = vec![root().join(dir)];
        while let Some(d) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_none_or(|x| x != "md" && x != "gz") {
                    files.push(p);
                }
            }
        }
    }
    files.sort();
    let mut text = String::new();
    for f in files.iter().step_by(3).take(40) {
        let Ok(s) = std::fs::read_to_string(f) else {
            continue;
        };
        let cut = s.char_indices().nth(1500).map_or(s.len(), |(i, _)| i);
        text.push_str(&s[..cut].replace('\n', " "));
        text.push(' ');
    }
    // Awkward places for a cut: Arabic number sign (a grapheme prepend), combining marks after a
    // space, NBSP, CJK, emoji with joiners, digits, punctuation runs, tabs.
    text.push_str(
        "a\u{0600} b x \u{0301}y z\u{00A0}w 東京 都 👩\u{200D}💻 ok 12345 67 ... !? end\tq  r   s",
    );
    text
}

fn tokenizers() -> Vec<std::sync::Arc<dyn Tokenizer>> {
    let mut specs: Vec<String> = tokenizer::BUNDLED
        .iter()
        .map(|b| b.name.to_string())
        .collect();
    let shared = root().join("../shared/tokenizers");
    for f in [
        "roberta.json",
        "olmo.json",
        "modernbert.json",
        "xlm-roberta.json",
    ] {
        let p = shared.join(f);
        if p.is_file() {
            specs.push(p.display().to_string());
        }
    }
    tokenizer::load_many(&specs).unwrap()
}

#[test]
fn pieces_encode_exactly_like_the_whole_line() {
    let text = long_line();
    assert!(text.len() > 50_000, "{}", text.len());
    let mut chunkable = Vec::new();
    for tok in tokenizers() {
        if !tok.splits_before_single_spaces() {
            // Encoded whole: nothing to compare.
            assert_eq!(
                chunked::encode_in_pieces(tok.as_ref(), &text, false, 37).unwrap(),
                tok.encode(&text, false).unwrap()
            );
            continue;
        }
        chunkable.push(tok.name().to_string());
        // With special tokens the text is encoded whole (the post-processor needs all of it).
        assert_eq!(
            chunked::encode_in_pieces(tok.as_ref(), &text, true, 37).unwrap(),
            tok.encode(&text, true).unwrap()
        );
        for special in [false] {
            let whole = tok.encode(&text, special).unwrap();
            for target in [37, 256, 4096] {
                let pieces = chunked::pieces(&text, target);
                assert!(pieces.len() > 10, "{}: {} pieces", tok.name(), pieces.len());
                let chunked =
                    chunked::encode_in_pieces(tok.as_ref(), &text, special, target).unwrap();
                assert_eq!(
                    chunked.ids.len(),
                    whole.ids.len(),
                    "{} {target}",
                    tok.name()
                );
                let first = (0..whole.ids.len()).find(|&i| {
                    whole.ids[i] != chunked.ids[i] || whole.offsets[i] != chunked.offsets[i]
                });
                if let Some(i) = first {
                    let (s, e) = whole.offsets[i];
                    panic!(
                        "{} (special {special}, pieces of {target}): token #{i} differs at {:?}",
                        tok.name(),
                        &text[s.saturating_sub(20)..(e + 20).min(text.len())]
                    );
                }
                assert_eq!(chunked, whole, "{} {target}", tok.name());
            }
        }
    }
    eprintln!("chunked: {chunkable:?}");
    for name in ["roberta", "modernbert"] {
        assert!(
            chunkable.iter().any(|n| n == name),
            "{name} should allow chunking"
        );
    }
}

#[test]
fn a_tokenizer_that_does_not_split_at_spaces_is_encoded_whole() {
    // A unigram model without a pre-tokenizer sees the whole text as one sequence.
    let json = r#"{"version":"1.0","truncation":null,"padding":null,"added_tokens":[],
        "normalizer":null,"pre_tokenizer":null,"post_processor":null,"decoder":null,
        "model":{"type":"Unigram","unk_id":0,"vocab":[["<unk>",0.0],["a",-1.0],[" ",-2.0],["a a",-0.5]]}}"#;
    let tok = tokenizer::HfTokenizer::from_json("nosplit.json", json.as_bytes()).unwrap();
    assert!(!tok.splits_before_single_spaces());
    let text = "a a a a a a a a";
    assert_eq!(
        chunked::encode_in_pieces(&tok, text, false, 3).unwrap(),
        tok.encode(text, false).unwrap()
    );
}

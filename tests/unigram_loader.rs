//! tokstat loads unigram `tokenizer.json` files (XLM-R) with a direct loader; it must give the
//! same tokenizer as HF `tokenizers`' own `from_bytes`: same ids and offsets on real text in 60
//! languages and on real code, same vocabulary and added tokens.

use std::io::Read;

use tokstat::tokenizer::{self, Source};

fn reference() -> tokenizers::Tokenizer {
    let b = tokenizer::find_bundled("xlm-roberta").expect("bundled");
    let Source::Embedded(gz) = b.source else {
        panic!("xlm-roberta is a tokenizer.json")
    };
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(gz)
        .read_to_end(&mut json)
        .expect("decompress");
    tokenizers::Tokenizer::from_bytes(&json).expect("reference loader")
}

fn texts() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora");
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(root.join("multilingual"))
        .expect("multilingual")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 60);
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read");
        out.extend(text.lines().take(40).map(String::from));
    }
    for f in [
        "code/python/cpython__heapq.py",
        "code/go/go__src__strings__strings.go",
        "code/rust/serde_json__src__ser.rs",
    ] {
        out.push(std::fs::read_to_string(root.join(f)).expect("code file"));
    }
    out.push(" leading, trailing and   inner   spaces \t\n".into());
    out.push("<s>special<mask> tokens</s> in text<unk>".into());
    out
}

#[test]
fn direct_unigram_loader_matches_tokenizers() {
    let reference = reference();
    let ours = tokenizer::load("xlm-roberta").expect("tokstat loader");
    assert_eq!(ours.vocab_size().total, reference.get_vocab_size(true));
    assert_eq!(ours.unk_id(), Some(3));
    for id in [0u32, 1, 2, 3, 4, 6, 35378, 250_000, 250_001] {
        assert_eq!(ours.id_to_token(id), reference.id_to_token(id), "id {id}");
    }
    let texts = texts();
    assert!(texts.len() > 2400);
    for text in &texts {
        for special in [false, true] {
            let want = reference.encode(text.as_str(), special).expect("reference");
            let got = ours.encode(text, special).expect("ours");
            assert_eq!(got.ids, want.get_ids(), "{text:?}");
            assert_eq!(got.offsets, want.get_offsets(), "{text:?}");
            assert_eq!(
                ours.decode(&got.ids, false).expect("decode"),
                reference.decode(want.get_ids(), false).expect("decode")
            );
        }
    }
}

//! Every console example of the README and of `docs/` (fenced blocks tagged `console`, each
//! command after `$ `) runs against the binary, and its output must match the text shown
//! (`...` on a line of its own skips lines, `[..]` skips the rest of a line).

#[test]
fn readme_and_docs_console_examples() {
    trycmd::TestCases::new()
        .register_bin("tokstat", trycmd::cargo::cargo_bin("tokstat"))
        .case("README.md")
        .case("docs/*.md");
}

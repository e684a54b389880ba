//! `tokens.html`: an example token page, the one `tokstat compare --html` writes for a Python
//! file and a YAML file of the bundled corpus with the default tokenizers.

use std::path::Path;

use super::ReportFile;
use super::under;
use crate::Result;
use crate::compare::{self, CompareOptions, ShowLimits};

/// The inputs of the example page.
const FILES: [&str; 2] = [
    "corpora/code/python/cpython__asyncio__queues.py",
    "corpora/code/yaml/commons-lang3__travis.yml",
];

/// The line of the report's index that links the page, with the command that makes it.
pub(crate) fn index_line() -> String {
    format!(
        "\nTo see the tokens themselves, open [tokens.html](tokens.html): {} cut by modernbert, \
         xlm-roberta and roberta side by side (hover a token for its id and byte range); \
         `tokstat compare {} --html tokens.html` makes the same page.\n",
        FILES.join(" and "),
        FILES.join(" ")
    )
}

/// The example page.
pub(crate) fn page(root: &Path) -> Result<ReportFile> {
    let report = compare::compare(&CompareOptions {
        paths: FILES.iter().map(|f| under(root, f)).collect(),
        show: true,
        show_limits: ShowLimits::HTML,
        ..Default::default()
    })?;
    Ok(ReportFile::new(
        "tokens.html",
        crate::html::compare_page(&report),
    ))
}

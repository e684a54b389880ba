//! `multilingual.md`: tokenization premium on the bundled FLORES-200 sample.

use std::path::Path;

use super::{ReportFile, Section, json};
use crate::Result;

const PARITY_COMMAND: &str = "tokstat parity corpora/multilingual -t modernbert,xlm-roberta,roberta \
--format markdown --plot reports/multilingual-premium.svg";

/// `multilingual.md`: tokenization premium per language on the bundled FLORES-200 sample.
pub fn multilingual(root: &Path) -> Result<Section> {
    use crate::parity::{self, ParityOptions, REPORT_CHART, REPORT_JSON, REPORT_MARKDOWN};
    let opts = ParityOptions {
        dir: Some(root.join("corpora/multilingual")),
        ..ParityOptions::default()
    };
    let report = parity::parity(&opts)?;
    let page = report.markdown_page(Some(REPORT_CHART), PARITY_COMMAND);
    Ok(Section {
        files: vec![
            ReportFile::new(REPORT_MARKDOWN, page),
            ReportFile::new(REPORT_CHART, report.svg()?),
            ReportFile::new(REPORT_JSON, json(&report)?),
        ],
        claims: Vec::new(),
    })
}

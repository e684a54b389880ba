//! Renderers shared by every command: terminal table, JSON, CSV and Markdown.
//!
//! Every command's result (a `*Report`) implements [`Render`]: it is `Serialize` (rendered as
//! JSON verbatim, the stable contract) and describes its human-readable view as a list of
//! [`Table`]s, which render to the three text formats ([`TextFormat`]) from the same cells.
//! [`render`] is the one entry point every command uses. Numbers are formatted in one place
//! ([`Cell`]), so tables and CSV always agree.

pub mod chart;

use serde::Serialize;

use crate::Result;

/// Output format of a command.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Aligned terminal tables.
    #[default]
    Table,
    /// The report struct as JSON (the stable contract).
    Json,
    /// Comma-separated values, one block per table.
    Csv,
    /// GitHub-flavoured Markdown tables.
    Markdown,
}

impl Format {
    /// The text format this output format renders tables in; `None` for JSON, which renders
    /// the report struct instead of its tables.
    pub fn text(self) -> Option<TextFormat> {
        match self {
            Format::Table => Some(TextFormat::Table),
            Format::Json => None,
            Format::Csv => Some(TextFormat::Csv),
            Format::Markdown => Some(TextFormat::Markdown),
        }
    }
}

/// A format tables render to: every [`Format`] except JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextFormat {
    /// Aligned terminal tables.
    Table,
    /// Comma-separated values.
    Csv,
    /// GitHub-flavoured Markdown.
    Markdown,
}

/// A command's result: JSON from its fields, every other format from its tables.
pub trait Render: Serialize {
    /// The human-readable view, in display order.
    fn tables(&self) -> Vec<Table>;
}

/// One table cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Free text.
    Text(String),
    /// An integer count (thousands separators in tables and Markdown, plain in CSV).
    Int(i128),
    /// A float with a fixed number of decimals.
    Float(f64, usize),
    /// A ratio shown as a percentage with a fixed number of decimals (`0.1234` → `12.3%`).
    Percent(f64, usize),
    /// Nothing (not applicable).
    Empty,
}

impl Cell {
    /// Text cell.
    pub fn text(s: impl Into<String>) -> Self {
        Cell::Text(s.into())
    }

    /// Integer cell from any integer type.
    pub fn int<T: Into<i128>>(v: T) -> Self {
        Cell::Int(v.into())
    }

    /// Integer cell from a `usize`.
    pub fn count(v: usize) -> Self {
        Cell::Int(v as i128)
    }

    fn render(&self, human: bool) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(v) if human => group_thousands(*v),
            Cell::Int(v) => v.to_string(),
            Cell::Float(v, _) | Cell::Percent(v, _) if !v.is_finite() => "n/a".into(),
            Cell::Float(v, d) => format!("{v:.d$}"),
            Cell::Percent(v, d) => format!("{:.d$}%", v * 100.0),
            Cell::Empty if human => "–".into(),
            Cell::Empty => String::new(),
        }
    }

    /// The cell as the terminal and Markdown tables show it (thousands separators, `–` for
    /// empty).
    pub fn human(&self) -> String {
        self.render(true)
    }

    /// Whether the cell is a number (right-aligned).
    pub fn is_numeric(&self) -> bool {
        matches!(self, Cell::Int(_) | Cell::Float(..) | Cell::Percent(..))
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

/// `1234567` → `"1,234,567"`.
pub fn group_thousands(v: i128) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if v < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A titled table with a header row.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Shown above the table (a heading in Markdown, a comment line in CSV).
    pub title: String,
    /// Column names.
    pub header: Vec<String>,
    /// Rows of cells; each row has `header.len()` cells.
    pub rows: Vec<Vec<Cell>>,
    /// Lines printed under the table (definitions, notes).
    pub notes: Vec<String>,
}

impl Table {
    /// A table with a title and column names.
    pub fn new<S: Into<String>>(
        title: impl Into<String>,
        header: impl IntoIterator<Item = S>,
    ) -> Self {
        Table {
            title: title.into(),
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Appends a row.
    pub fn row(&mut self, cells: Vec<Cell>) -> &mut Self {
        self.rows.push(cells);
        self
    }

    /// Appends a note printed under the table.
    pub fn note(&mut self, note: impl Into<String>) -> &mut Self {
        self.notes.push(note.into());
        self
    }

    /// Renders the table in a text format.
    pub fn render(&self, format: TextFormat) -> String {
        match format {
            TextFormat::Table => self.render_terminal(),
            TextFormat::Csv => self.render_csv(),
            TextFormat::Markdown => self.render_markdown(),
        }
    }

    fn render_terminal(&self) -> String {
        use comfy_table::{CellAlignment, ContentArrangement, presets::UTF8_FULL_CONDENSED};
        let mut t = comfy_table::Table::new();
        t.load_style(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(self.header.clone());
        for row in &self.rows {
            t.add_row(row.iter().map(|c| {
                let cell = comfy_table::Cell::new(c.render(true));
                if c.is_numeric() {
                    cell.set_alignment(CellAlignment::Right)
                } else {
                    cell
                }
            }));
        }
        let mut out = String::new();
        if !self.title.is_empty() {
            out.push_str(&self.title);
            out.push('\n');
        }
        out.push_str(&t.to_string());
        out.push('\n');
        for n in &self.notes {
            out.push_str(n);
            out.push('\n');
        }
        out
    }

    fn render_csv(&self) -> String {
        let mut out = String::new();
        if !self.title.is_empty() {
            out.push_str(&format!("# {}\n", self.title));
        }
        let line = |cells: Vec<String>| {
            cells
                .iter()
                .map(|c| csv_escape(c))
                .collect::<Vec<_>>()
                .join(",")
        };
        out.push_str(&line(self.header.clone()));
        out.push('\n');
        for row in &self.rows {
            out.push_str(&line(row.iter().map(|c| c.render(false)).collect()));
            out.push('\n');
        }
        out
    }

    fn render_markdown(&self) -> String {
        let esc = |s: &str| s.replace('|', "\\|").replace('\n', " ");
        let mut out = String::new();
        if !self.title.is_empty() {
            out.push_str(&format!("### {}\n\n", self.title));
        }
        out.push_str(&format!(
            "| {} |\n",
            self.header
                .iter()
                .map(|h| esc(h))
                .collect::<Vec<_>>()
                .join(" | ")
        ));
        let numeric_col = |i: usize| {
            self.rows
                .iter()
                .any(|r| r.get(i).is_some_and(Cell::is_numeric))
        };
        out.push_str(&format!(
            "|{}|\n",
            (0..self.header.len())
                .map(|i| if numeric_col(i) { "---:" } else { "---" })
                .collect::<Vec<_>>()
                .join("|")
        ));
        for row in &self.rows {
            out.push_str(&format!(
                "| {} |\n",
                row.iter()
                    .map(|c| esc(&c.render(true)))
                    .collect::<Vec<_>>()
                    .join(" | ")
            ));
        }
        if !self.notes.is_empty() {
            out.push('\n');
            for n in &self.notes {
                out.push_str(n);
                out.push_str("  \n");
            }
        }
        out
    }
}

fn csv_escape(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Renders a command's result: pretty JSON from its fields, every other format from its tables.
pub fn render(report: &impl Render, format: Format) -> Result<String> {
    match format.text() {
        None => {
            let mut s = serde_json::to_string_pretty(report)?;
            s.push('\n');
            Ok(s)
        }
        Some(text) => Ok(render_tables(&report.tables(), text)),
    }
}

/// Renders tables one after another, separated by a blank line.
pub fn render_tables(tables: &[Table], format: TextFormat) -> String {
    tables
        .iter()
        .map(|t| t.render(format))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Makes whitespace visible: `·` space, `→` tab, `⏎` newline, `␍` carriage return.
pub fn visible_whitespace(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            ' ' => '·',
            '\t' => '→',
            '\n' => '⏎',
            '\r' => '␍',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1,000");
        assert_eq!(group_thousands(355_359_744), "355,359,744");
        assert_eq!(group_thousands(-1234567), "-1,234,567");
    }

    #[test]
    fn formats_agree() {
        let mut t = Table::new("T", ["name", "n", "share"]);
        t.row(vec![
            Cell::text("a,b"),
            Cell::Int(1234),
            Cell::Percent(0.125, 1),
        ]);
        assert_eq!(
            t.render(TextFormat::Csv),
            "# T\nname,n,share\n\"a,b\",1234,12.5%\n"
        );
        let md = t.render(TextFormat::Markdown);
        assert!(md.contains("| a,b | 1,234 | 12.5% |"), "{md}");
        assert!(md.contains("|---|---:|---:|"), "{md}");
        assert!(t.render(TextFormat::Table).contains("1,234"));
    }

    #[test]
    fn non_finite_is_na() {
        assert_eq!(Cell::Float(f64::NAN, 2).render(true), "n/a");
    }
}

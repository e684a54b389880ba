//! The tables of a [`BudgetReport`], one function per table.

use super::{
    BudgetReport, Head, PUBLISHED, PUBLISHED_CORE_RATIOS, PUBLISHED_TRIO, ParamBreakdown,
    PositionEmbedding, UNICODE_SCALAR_VALUES,
};
use crate::render::{Cell, Render, Table, group_thousands};

fn millions(n: u64) -> Cell {
    Cell::Float(n as f64 / 1e6, 1)
}

impl BudgetReport {
    fn find(&self, name: &str) -> Option<&ParamBreakdown> {
        self.models
            .iter()
            .map(|m| &m.breakdown)
            .find(|b| b.name == name)
    }
}

/// The models as table columns: one header cell and one row cell per model.
struct Columns<'a> {
    models: Vec<&'a ParamBreakdown>,
}

impl<'a> Columns<'a> {
    fn new(report: &'a BudgetReport) -> Self {
        Self {
            models: report.models.iter().map(|m| &m.breakdown).collect(),
        }
    }

    fn header(&self, first: &str) -> Vec<String> {
        std::iter::once(first.to_string())
            .chain(self.models.iter().map(|b| b.name.clone()))
            .collect()
    }

    fn row(&self, label: &str, cell: impl Fn(&ParamBreakdown) -> Cell) -> Vec<Cell> {
        std::iter::once(Cell::text(label))
            .chain(self.models.iter().map(|b| cell(b)))
            .collect()
    }
}

impl Render for BudgetReport {
    /// The human-readable tables: architecture and vocabulary-budget comparisons, core ratios,
    /// the parameter breakdown, the what-ifs asked for, and — when the three models of the
    /// published comparison are present with `--head base` — the published-versus-exact check.
    fn tables(&self) -> Vec<Table> {
        let cols = Columns::new(self);
        let mut out = vec![architecture(&cols), vocabulary_budget(&cols)];
        out.extend(core_ratios(&cols));
        out.push(breakdown(&cols, &self.head_name()));
        if self.show_tensors {
            out.extend(cols.models.iter().map(|b| tensors(b)));
        }
        out.extend(vocab_sweep(self));
        out.extend(fixed_total(self));
        out.extend(attention(self));
        out.extend(self.published_check());
        out
    }
}

fn architecture(cols: &Columns) -> Table {
    let mut t = Table::new("Architecture", cols.header(""));
    t.row(cols.row("Parameters", |b| Cell::int(b.total_params)));
    t.row(cols.row("Hidden states", |b| Cell::int(b.hidden_size)));
    t.row(cols.row("Intermediate dims", |b| Cell::int(b.intermediate_size)));
    t.row(cols.row("Attention heads", |b| Cell::int(b.num_heads)));
    t.row(cols.row("Layers", |b| Cell::int(b.layers)));
    t.row(cols.row("Vocabulary size", |b| Cell::int(b.vocab_size)));
    t.row(cols.row("Position embeddings", |b| {
        Cell::text(match b.position_embedding {
            PositionEmbedding::Absolute => "absolute",
            PositionEmbedding::Relative => "relative",
            PositionEmbedding::Rotary => "rotary",
        })
    }));
    t.row(cols.row("MLP", |b| Cell::text(b.mlp)));
    t
}

fn vocabulary_budget(cols: &Columns) -> Table {
    let mut t = Table::new("Vocabulary budget", cols.header(""));
    t.row(cols.row("Vocabulary size", |b| Cell::int(b.vocab_size)));
    t.row(cols.row("Total", |b| Cell::int(b.total_params)));
    t.row(cols.row("Vocabulary parameters", |b| Cell::int(b.vocab_params)));
    t.row(cols.row("Vocabulary share", |b| Cell::Percent(b.vocab_share, 1)));
    t.row(cols.row("Core parameters", |b| Cell::int(b.core_params)));
    t.note("Vocabulary parameters = vocabulary size × hidden size (the word-embedding matrix); core = total − vocabulary parameters.");
    t
}

/// Row model's core parameters relative to the column model's, when there are two or more.
fn core_ratios(cols: &Columns) -> Option<Table> {
    if cols.models.len() < 2 {
        return None;
    }
    let mut t = Table::new(
        "Core parameters: row model relative to column model (row / column − 1)",
        cols.header(""),
    );
    for a in &cols.models {
        let mut cells = vec![Cell::text(a.name.clone())];
        cells.extend(cols.models.iter().map(|b| {
            if a.name == b.name {
                Cell::Empty
            } else {
                Cell::Percent(a.core_params as f64 / b.core_params as f64 - 1.0, 1)
            }
        }));
        t.row(cells);
    }
    Some(t)
}

fn breakdown(cols: &Columns, head: &str) -> Table {
    let mut t = Table::new(
        format!("Parameter breakdown (--head {head})"),
        cols.header("component"),
    );
    t.row(cols.row("word embeddings (V·H)", |b| Cell::int(b.embedding.word)));
    t.row(cols.row("position embeddings", |b| Cell::int(b.embedding.position)));
    t.row(cols.row("token-type embeddings", |b| {
        Cell::int(b.embedding.token_type)
    }));
    t.row(cols.row("embedding norm", |b| Cell::int(b.embedding.norm)));
    t.row(cols.row("per layer: attention weights", |b| {
        Cell::int(b.per_layer.attention_weights)
    }));
    t.row(cols.row("per layer: attention biases", |b| {
        Cell::int(b.per_layer.attention_biases)
    }));
    t.row(cols.row("per layer: MLP weights", |b| {
        Cell::int(b.per_layer.mlp_weights)
    }));
    t.row(cols.row("per layer: MLP biases", |b| {
        Cell::int(b.per_layer.mlp_biases)
    }));
    t.row(cols.row("per layer: norms", |b| Cell::int(b.per_layer.norms)));
    t.row(cols.row("per layer: total", |b| Cell::int(b.per_layer.total)));
    t.row(cols.row("layer 0 total", |b| Cell::int(b.layer0_params)));
    t.row(cols.row("all layers", |b| Cell::int(b.encoder_params)));
    t.row(cols.row("final norm", |b| Cell::int(b.final_norm)));
    t.row(cols.row("head", |b| {
        Cell::text(format!(
            "{} {}",
            b.head_params.kind,
            group_thousands(b.head_params.params as i128)
        ))
    }));
    t.row(cols.row("total", |b| Cell::int(b.total_params)));
    for n in cols.models.iter().flat_map(|b| &b.notes) {
        t.note(n.clone());
    }
    t
}

/// One model's tensors (`--tensors`).
fn tensors(b: &ParamBreakdown) -> Table {
    let mut t = Table::new(
        format!("{}: tensors", b.name),
        ["tensor", "shape", "layers", "params"],
    );
    for g in &b.tensors {
        let shape: Vec<String> = g.shape.iter().map(|d| d.to_string()).collect();
        t.row(vec![
            Cell::text(match &g.tied_to {
                Some(w) => format!("{} (tied to {w})", g.name),
                None => g.name.clone(),
            }),
            Cell::text(shape.join("×")),
            match g.layers {
                Some((a, z)) => Cell::text(format!("{a}–{z}")),
                None => Cell::Empty,
            },
            Cell::int(g.params),
        ]);
    }
    t
}

fn vocab_sweep(report: &BudgetReport) -> Option<Table> {
    if report.models.iter().all(|m| m.vocab_sweep.is_none()) {
        return None;
    }
    let mut t = Table::new(
        "What if: other vocabulary sizes, same architecture",
        [
            "model",
            "vocabulary",
            "",
            "vocab params",
            "total",
            "vocab share",
            "core",
        ],
    );
    for m in &report.models {
        for r in m.vocab_sweep.iter().flatten() {
            t.row(vec![
                Cell::text(m.breakdown.name.clone()),
                Cell::int(r.vocab_size),
                Cell::text(r.label.clone().unwrap_or_default()),
                Cell::int(r.vocab_params),
                Cell::int(r.total_params),
                Cell::Percent(r.vocab_share, 1),
                Cell::int(r.core_params),
            ]);
        }
    }
    t.note(format!(
        "Every Unicode code point as a token: {} scalar values (U+0000–U+10FFFF minus 2,048 surrogates).",
        group_thousands(UNICODE_SCALAR_VALUES as i128)
    ));
    Some(t)
}

fn fixed_total(report: &BudgetReport) -> Option<Table> {
    let p = report.models.iter().find_map(|m| m.fixed_total.as_ref())?;
    let mut t = Table::new(
        format!(
            "Fixed total budget P = {}: how deep or wide the core can be",
            group_thousands(p.budget as i128)
        ),
        [
            "model",
            "vocabulary",
            "",
            "vocab params",
            "share of P",
            "max layers",
            "total at max layers",
            "max hidden",
            "intermediate",
            "total at max hidden",
        ],
    );
    for m in &report.models {
        for r in m.fixed_total.iter().flat_map(|f| &f.rows) {
            t.row(vec![
                Cell::text(m.breakdown.name.clone()),
                Cell::int(r.vocab_size),
                Cell::text(r.label.clone().unwrap_or_default()),
                Cell::int(r.vocab_params),
                Cell::Percent(r.vocab_share_of_budget, 1),
                Cell::int(r.max_layers),
                Cell::int(r.total_at_max_layers),
                Cell::int(r.max_hidden_size),
                Cell::int(r.intermediate_at_max_hidden),
                Cell::int(r.total_at_max_hidden),
            ]);
        }
    }
    t.note("max layers: deepest model within P at the model's hidden and intermediate size (deep and thin); max hidden: widest model within P at the model's depth, hidden in steps of one head, intermediate scaled by I/H.");
    t.note("A vocabulary that alone exceeds P leaves 0 layers / 0 hidden.");
    Some(t)
}

fn attention(report: &BudgetReport) -> Option<Table> {
    if report.models.iter().all(|m| m.attention.is_none()) {
        return None;
    }
    let mut t = Table::new(
        "Attention per forward pass: global in every layer vs global every n-th layer + sliding window",
        [
            "model",
            "seq",
            "pattern",
            "global/local layers",
            "FLOPs all global",
            "FLOPs pattern",
            "×",
            "scores all global",
            "scores pattern",
        ],
    );
    for m in &report.models {
        for a in m.attention.iter().flatten() {
            t.row(vec![
                Cell::text(m.breakdown.name.clone()),
                Cell::text(format!(
                    "{}{}",
                    group_thousands(a.seq_len as i128),
                    if a.exceeds_max_positions { " †" } else { "" }
                )),
                Cell::text(format!(
                    "every {}, window {}{}",
                    a.global_every,
                    a.window,
                    if a.pattern_is_models_own {
                        ""
                    } else {
                        " (hypothetical)"
                    }
                )),
                Cell::text(format!("{}/{}", a.global_layers, a.local_layers)),
                Cell::Int(a.full_flops as i128),
                Cell::Int(a.pattern_flops as i128),
                Cell::Float(a.flops_ratio, 2),
                Cell::Int(a.full_scores_total as i128),
                Cell::Int(a.pattern_scores_total as i128),
            ]);
        }
    }
    t.note("FLOPs: QKᵀ and scores·V only, 4·n²·H per global layer and 4·pairs·H per window layer (pairs with |i−j| ≤ window/2); projections cost the same under both patterns and are left out.");
    t.note("scores: attention-score elements summed over layers (heads·n² per global layer, heads·pairs per window layer, as a windowed kernel computes them); multiply by 2 bytes for bf16.");
    t.note("† longer than the model's max_position_embeddings. (hypothetical): the model attends globally everywhere; the row applies ModernBERT's pattern to its shape.");
    Some(t)
}

impl BudgetReport {
    fn head_name(&self) -> String {
        self.models
            .first()
            .map_or("base".into(), |m| m.breakdown.head.to_string())
    }

    /// The published comparison's rounded figures next to the exact ones, when the report has
    /// all three of its models counted with `--head base`.
    pub fn published_check(&self) -> Option<Table> {
        let found: Vec<&ParamBreakdown> = PUBLISHED_TRIO
            .iter()
            .map(|n| self.find(n))
            .collect::<Option<_>>()?;
        if found.iter().any(|b| b.head != Head::Base) {
            return None;
        }
        let mut t = Table::new(
            "Published comparison (rounded) vs exact counts",
            [
                "model",
                "figure",
                "published",
                "exact",
                "exact (M or %)",
                "exact − published",
            ],
        );
        let diff_m = |exact: u64, published_m: f64| {
            Cell::text(format!("{:+.1}M", exact as f64 / 1e6 - published_m))
        };
        let diff_pp = |exact: f64, published: f64| {
            Cell::text(format!("{:+.1} pp", (exact - published) * 100.0))
        };
        for (p, b) in PUBLISHED.iter().zip(&found) {
            let name = Cell::text(p.model);
            t.row(vec![
                name.clone(),
                Cell::text("Parameters"),
                Cell::text(format!("{}M", p.params_m)),
                Cell::int(b.total_params),
                millions(b.total_params),
                diff_m(b.total_params, p.params_m),
            ]);
            t.row(vec![
                name.clone(),
                Cell::text("Vocabulary parameters"),
                Cell::text(format!("{}M", p.vocab_params_m)),
                Cell::int(b.vocab_params),
                millions(b.vocab_params),
                diff_m(b.vocab_params, p.vocab_params_m),
            ]);
            t.row(vec![
                name.clone(),
                Cell::text("Vocabulary share"),
                Cell::Percent(p.vocab_share, 0),
                Cell::Empty,
                Cell::Percent(b.vocab_share, 1),
                diff_pp(b.vocab_share, p.vocab_share),
            ]);
            t.row(vec![
                name,
                Cell::text("Core parameters"),
                Cell::text(format!("{}M", p.core_m)),
                Cell::int(b.core_params),
                millions(b.core_params),
                diff_m(b.core_params, p.core_m),
            ]);
        }
        for (a, b, claim) in PUBLISHED_CORE_RATIOS {
            let (Some(x), Some(y)) = (self.find(a), self.find(b)) else {
                continue;
            };
            let exact = x.core_params as f64 / y.core_params as f64 - 1.0;
            t.row(vec![
                Cell::text(a),
                Cell::text(format!("core vs {b}")),
                Cell::text(format!("+{:.0}%", claim * 100.0)),
                Cell::Empty,
                Cell::Percent(exact, 1),
                diff_pp(exact, claim),
            ]);
        }
        t.note("Published: Jina AI's ModernBERT / jina-XLM-RoBERTa / RoBERTa-large comparison (early 2025), rounded; its core = rounded total − rounded vocabulary parameters.");
        Some(t)
    }
}

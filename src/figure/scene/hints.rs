//! Graphviz's layout settings for a figure: typed, chosen where the figure is made, and read
//! by the DOT writer alone (the layered engine lays out without them).

use crate::figure::layout_cost;
use crate::graph::ExportGraph;

/// Figures whose layout costs more than this ([`crate::figure::layout_cost`]: nodes plus the
/// edges' length in ranks) get the fast layout settings (`newrank`, a lower `nslimit`);
/// cheaper ones keep Graphviz's defaults, which they lay out in well under a second anyway.
/// The cost, not the value count, because long edges are what make `dot` slow: a folded
/// MLP(2, [8, 8, 1]) with an L2 term has 143 values but costs 11,951 (running sums reach
/// across 215 ranks), and took 10.6 s with the defaults and 1.1 s with the fast settings; an
/// MLP(2, [4, 4, 1]) loss of 950 values costs 5,402 and took 0.74 s and 0.23 s (Graphviz
/// 2.43 `dot -Tsvg` on the figures' DOT, a loaded 2-core machine; the figures of `cargo bench
/// --bench layered -- --threshold`). 2,500 is where a plain network's figure used to switch,
/// at about 500 values.
pub const FAST_LAYOUT_ABOVE: usize = 2_500;

/// Graph attributes that tune `dot`'s layout without changing what the figure shows.
///
/// The fast settings ([`LayoutHints::for_graph`]) were measured with `cargo bench --bench
/// views -- --layout` on the 3,382-value MLP loss graph (CPU seconds of `dot -Tsvg` 2.43;
/// graphviz-pure in brackets): defaults 21.0 (9.9); `nslimit=0.2` 7.9 (2.5); `newrank=true`
/// 20.3 (9.5); both 3.3 (2.3). Most of `dot`'s time is the network simplex that places nodes
/// within ranks (27,638 iterations by default; `nslimit` caps it at 0.2 per node); `newrank`
/// alone saves nothing but halves what is left after `nslimit`. `mclimit`, `searchsize`,
/// `remincross`, `ordering=out` and `splines` (`line`, `polyline`, `false`) saved nothing
/// worth a worse picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LayoutHints {
    /// `newrank=true`: rank the whole graph at once rather than each cluster on its own,
    /// which gates and ranks shared across clusters need.
    pub newrank: bool,
    /// `nslimit=0.2`: cap the network simplex that places nodes within ranks.
    pub quick_placement: bool,
    /// `remincross=false`: skip the last crossing reduction, which runs over the whole
    /// graph and would move one of two clusters drawn alike (`compare`'s states).
    pub keep_crossings: bool,
}

impl LayoutHints {
    /// The settings for a figure of `graph`: the fast ones (`newrank`, `nslimit`) when its
    /// layout costs more than [`FAST_LAYOUT_ABOVE`], none below.
    pub fn for_graph(graph: &ExportGraph) -> LayoutHints {
        // Every value is a node of the figure: past the threshold in values, the cost is
        // too, and a big graph's nodes and edges need not be listed to know it.
        let costly = graph.node_count() > FAST_LAYOUT_ABOVE
            || layout_cost(graph, FAST_LAYOUT_ABOVE).total() > FAST_LAYOUT_ABOVE;
        LayoutHints {
            newrank: costly,
            quick_placement: costly,
            keep_crossings: false,
        }
    }

    /// These hints with `newrank` on.
    pub fn with_newrank(mut self) -> LayoutHints {
        self.newrank = true;
        self
    }

    /// These hints with the last crossing reduction off (and `newrank` on).
    pub fn keeping_crossings(mut self) -> LayoutHints {
        self.newrank = true;
        self.keep_crossings = true;
        self
    }

    /// The graph attributes, as name and value, in the order the DOT writer writes them.
    pub fn attributes(&self) -> impl Iterator<Item = (&'static str, &'static str)> {
        [
            (self.newrank, ("newrank", "true")),
            (self.quick_placement, ("nslimit", "0.2")),
            (self.keep_crossings, ("remincross", "false")),
        ]
        .into_iter()
        .filter_map(|(on, attribute)| on.then_some(attribute))
    }
}

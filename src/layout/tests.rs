//! The layout's promises, on fixed graphs and on random ones: nodes never overlap, no route
//! enters a node box, routes join their ends, cluster boxes hold their members and nothing
//! else, ranks follow the edges.

use proptest::prelude::*;

use super::*;

fn node(width: f64, height: f64, cluster: Option<usize>) -> NodeSpec {
    NodeSpec {
        width,
        height,
        cluster,
    }
}

fn boxes_overlap(a: Point, sa: &NodeSpec, b: Point, sb: &NodeSpec) -> bool {
    (a.x - b.x).abs() < (sa.width + sb.width) / 2.0 - 1e-6
        && (a.y - b.y).abs() < (sa.height + sb.height) / 2.0 - 1e-6
}

fn inside(p: Point, centre: Point, spec: &NodeSpec) -> bool {
    (p.x - centre.x).abs() < spec.width / 2.0 - 1e-6
        && (p.y - centre.y).abs() < spec.height / 2.0 - 1e-6
}

/// Points along a route's Bézier pieces.
fn samples(route: &[Point]) -> Vec<Point> {
    let mut out = Vec::new();
    for piece in route.windows(4).step_by(3) {
        for i in 0..=16 {
            let t = f64::from(i) / 16.0;
            let u = 1.0 - t;
            let (a, b, c, d) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
            out.push(Point {
                x: a * piece[0].x + b * piece[1].x + c * piece[2].x + d * piece[3].x,
                y: a * piece[0].y + b * piece[1].y + c * piece[2].y + d * piece[3].y,
            });
        }
    }
    out
}

fn near(p: Point, q: Point) -> bool {
    (p.x - q.x).abs() < 1e-6 && (p.y - q.y).abs() < 1e-6
}

/// Checks every promise and returns a description of the first one broken.
fn check(graph: &Graph, layout: &Layout) -> std::result::Result<(), String> {
    let n = graph.nodes.len();
    assert_eq!(layout.nodes.len(), n);
    for i in 0..n {
        for j in i + 1..n {
            let (a, b) = (layout.nodes[i], layout.nodes[j]);
            if boxes_overlap(a, &graph.nodes[i], b, &graph.nodes[j]) {
                return Err(format!("nodes {i} {a:?} and {j} {b:?} overlap"));
            }
        }
    }
    for (e, (&(a, b), route)) in graph.edges.iter().zip(&layout.edges).enumerate() {
        if a == b {
            continue;
        }
        if route.len() < 4 || route.len() % 3 != 1 {
            return Err(format!("edge {e} has a route of {} points", route.len()));
        }
        let on_side = |p: Point, v: usize| {
            let (c, s) = (layout.nodes[v], graph.nodes[v]);
            (p.x - c.x).abs() <= s.width / 2.0 + 1e-6 && (p.y - c.y).abs() <= s.height / 2.0 + 1e-6
        };
        if !on_side(route[0], a) || !on_side(*route.last().unwrap(), b) {
            return Err(format!("edge {e} ({a} -> {b}) does not join its ends"));
        }
        for p in samples(route) {
            for (v, centre) in layout.nodes.iter().enumerate() {
                if inside(p, *centre, &graph.nodes[v]) {
                    return Err(format!(
                        "edge {e} ({a} -> {b}) passes through node {v} at {p:?}"
                    ));
                }
            }
        }
    }
    for (c, rect) in layout.clusters.iter().enumerate() {
        let Some(rect) = rect else { continue };
        for (v, centre) in layout.nodes.iter().enumerate() {
            let member = is_member(graph, v, c);
            let spec = &graph.nodes[v];
            let contained = centre.x - spec.width / 2.0 >= rect.x - 1e-6
                && centre.x + spec.width / 2.0 <= rect.x + rect.width + 1e-6
                && centre.y - spec.height / 2.0 >= rect.y - 1e-6
                && centre.y + spec.height / 2.0 <= rect.y + rect.height + 1e-6;
            let touches = (centre.x - (rect.x + rect.width / 2.0)).abs()
                < (spec.width + rect.width) / 2.0 - 1e-6
                && (centre.y - (rect.y + rect.height / 2.0)).abs()
                    < (spec.height + rect.height) / 2.0 - 1e-6;
            if member && !contained {
                return Err(format!("cluster {c} does not hold its member {v}"));
            }
            if !member && touches {
                return Err(format!("cluster {c} covers node {v}, not a member"));
            }
        }
    }
    for p in &layout.nodes {
        if p.x < -1e-6 || p.y < -1e-6 || p.x > layout.width + 1e-6 || p.y > layout.height + 1e-6 {
            return Err(format!("node at {p:?} outside the picture"));
        }
    }
    Ok(())
}

fn is_member(graph: &Graph, v: usize, cluster: usize) -> bool {
    let mut c = graph.nodes[v].cluster.filter(|&c| c < graph.clusters.len());
    while let Some(inner) = c {
        if inner == cluster {
            return true;
        }
        c = graph.clusters[inner].parent.filter(|&p| p < inner);
    }
    false
}

fn chain(n: usize) -> Graph {
    Graph {
        nodes: (0..n).map(|_| node(200.0, 36.0, None)).collect(),
        edges: (1..n).map(|i| (i - 1, i)).collect(),
        clusters: Vec::new(),
    }
}

#[test]
fn a_chain_runs_left_to_right_in_one_line() {
    let graph = chain(5);
    let layout = layout(&graph, &Options::default());
    check(&graph, &layout).unwrap();
    for pair in layout.nodes.windows(2) {
        assert!(pair[1].x > pair[0].x + 200.0, "{pair:?}");
        assert_eq!(pair[1].y, pair[0].y);
    }
    assert_eq!(layout.stats.ranks, 5);
    assert_eq!(layout.stats.dummies, 0);
}

#[test]
fn every_direction_puts_heads_after_tails() {
    let graph = chain(3);
    type After = fn(Point, Point) -> bool;
    let cases: [(Direction, After); 4] = [
        (Direction::LeftToRight, |a, b| b.x > a.x),
        (Direction::RightToLeft, |a, b| b.x < a.x),
        (Direction::TopToBottom, |a, b| b.y > a.y),
        (Direction::BottomToTop, |a, b| b.y < a.y),
    ];
    for (direction, after) in cases {
        let layout = layout(&graph, &Options::default().with_direction(direction));
        check(&graph, &layout).unwrap();
        assert!(after(layout.nodes[0], layout.nodes[1]), "{direction:?}");
        assert!(after(layout.nodes[1], layout.nodes[2]), "{direction:?}");
    }
}

#[test]
fn a_long_edge_gets_dummies_and_a_route_through_them() {
    // 0 -> 1 -> 2 -> 3 and 0 -> 3: the long edge skips two ranks.
    let mut graph = chain(4);
    graph.edges.push((0, 3));
    let layout = layout(&graph, &Options::default());
    check(&graph, &layout).unwrap();
    assert_eq!(layout.stats.dummies, 2);
    assert_eq!(layout.stats.longest_span, 3);
    // One S-curve per gap between ranks, three gaps; it starts on node 0's right side.
    assert!(layout.edges[3].len() > 3 * 3);
    let start = Point {
        x: layout.nodes[0].x + 100.0,
        y: layout.nodes[0].y,
    };
    assert!(near(layout.edges[3][0], start), "{:?}", layout.edges[3][0]);
}

#[test]
fn a_cycle_is_broken_and_still_drawn_from_tail_to_head() {
    let graph = Graph {
        nodes: (0..3).map(|_| node(60.0, 30.0, None)).collect(),
        edges: vec![(0, 1), (1, 2), (2, 0)],
        clusters: Vec::new(),
    };
    let layout = layout(&graph, &Options::default());
    check(&graph, &layout).unwrap();
    assert_eq!(layout.stats.reversed, 1);
}

#[test]
fn a_late_input_is_pulled_next_to_its_use() {
    // A running sum s_k = s_{k-1} + x_k over leaves x_k: longest path puts every x_k in rank
    // 0, with an edge of k ranks each; pulled, each x_k sits one rank before its sum.
    let rows = 20;
    let mut nodes = vec![node(50.0, 30.0, None)];
    let mut edges = Vec::new();
    for k in 1..=rows {
        nodes.push(node(50.0, 30.0, None)); // x_k
        nodes.push(node(50.0, 30.0, None)); // s_k
        let (x, s) = (2 * k - 1, 2 * k);
        let previous = if k == 1 { 0 } else { 2 * k - 2 };
        edges.push((previous, s));
        edges.push((x, s));
    }
    let graph = Graph {
        nodes,
        edges,
        clusters: Vec::new(),
    };
    let plain = Options {
        improve_ranks: false,
        ..Options::default()
    };
    let before = layout(&graph, &plain);
    let after = layout(&graph, &Options::default());
    check(&graph, &after).unwrap();
    assert_eq!(before.stats.longest_span, rows);
    assert_eq!(after.stats.longest_span, 1);
    assert_eq!(after.stats.dummies, 0);
    assert!(before.stats.dummies > 100);
}

#[test]
fn inputs_sit_next_to_their_uses_when_pulling_rows_does_not_pay() {
    // The 9.9k-value MLP loss in miniature. Row k: p_k = w0 * x_k, a_k = p_k + b,
    // u_k = w1 * a_k, v_k = w2 * a_k, o_k = u_k + v_k + t_k (t_k: the row's target), and a
    // running sum s_k = s_{k-1} + o_k; w0, w1, w2 and b are shared by every row. Pulling
    // each row towards its place in the sum would lengthen two edges to shorten one, so that
    // pass is undone; the sources must still sit next to their uses (the targets, the
    // shared weights and bias, the sum's start), as network simplex would put them.
    let rows = 20;
    let (w0, w1, w2, b, s0) = (0, 1, 2, 3, 4);
    let mut n = 5;
    let mut edges = Vec::new();
    let mut previous = s0;
    for _ in 0..rows {
        let [x, p, a, u, v, t, o, s] = std::array::from_fn(|i| n + i);
        n += 8;
        edges.extend([
            (w0, p),
            (x, p),
            (p, a),
            (b, a),
            (w1, u),
            (a, u),
            (w2, v),
            (a, v),
        ]);
        edges.extend([(u, o), (v, o), (t, o), (previous, s), (o, s)]);
        previous = s;
    }
    let ranking = rank::rank(n, &edges, true);
    let rank = |v: usize| ranking.rank[v];
    for source in (0..n).filter(|&v| edges.iter().all(|&(_, head)| head != v)) {
        let earliest = edges.iter().filter(|&&(tail, _)| tail == source);
        let earliest = earliest.map(|&(_, head)| rank(head)).min().unwrap();
        assert_eq!(rank(source) + 1, earliest, "source {source}");
    }
    // The rows were not pulled: every o_k sits in the same rank.
    let outputs: std::collections::BTreeSet<u32> = (0..rows).map(|k| rank(5 + 8 * k + 6)).collect();
    assert_eq!(outputs.len(), 1, "{outputs:?}");
}

#[test]
fn a_layers_products_move_with_their_shared_inputs() {
    // A network's second layer in miniature, as micrograd builds it. Row r: x_k = f(c_k),
    // c_k = g(in_r), for k < 4; neuron n's products p = w_nk * x_k, each value q = p's
    // output, summed in order: t_n0 = b_n + q_n0, t_nk = t_n(k-1) + q_nk. Every x_k feeds all
    // three neurons' k-th product, every w_nk all rows' and (micrograd's L2 term) the loss z.
    // Moved alone, a product lengthens two edges to shorten one, so each stayed next to its
    // inputs with a long edge to its term; moved with x_k and w_nk, which can follow, every
    // product sits just before its term.
    let (rows, neurons, inputs) = (3, 3, 4);
    let z = 0;
    let mut n = 1;
    let mut next = || {
        n += 1;
        n - 1
    };
    let weights: Vec<Vec<usize>> = (0..neurons)
        .map(|_| (0..inputs).map(|_| next()).collect())
        .collect();
    let biases: Vec<usize> = (0..neurons).map(|_| next()).collect();
    let mut edges: Vec<(usize, usize)> = weights.iter().flatten().map(|&w| (w, z)).collect();
    let mut products = Vec::new();
    for _ in 0..rows {
        let row_input = next();
        let xs: Vec<usize> = (0..inputs)
            .map(|_| {
                let (c, x) = (next(), next());
                edges.extend([(row_input, c), (c, x)]);
                x
            })
            .collect();
        for (neuron, &bias) in biases.iter().enumerate() {
            let mut sum = bias;
            for (k, &x) in xs.iter().enumerate() {
                let (p, q, t) = (next(), next(), next());
                edges.extend([(weights[neuron][k], p), (x, p), (p, q), (sum, t), (q, t)]);
                products.push((p, q, t));
                sum = t;
            }
            edges.push((sum, z));
        }
    }
    let ranking = rank::rank(n, &edges, true);
    let rank = |v: usize| ranking.rank[v];
    for (p, q, t) in products {
        assert_eq!(
            (rank(p) + 1, rank(q) + 1),
            (rank(q), rank(t)),
            "product {p}"
        );
    }
    assert_eq!(ranking.reversed_count(&edges), 0);
}

#[test]
fn products_stacked_in_one_rank_are_levelled_over_several() {
    // Two examples of a neuron's sum as micrograd builds it: product k = w_k * c_k (w_k
    // shared by both, a constant of its own), then s_k = s_{k-1} + product k. Pulling
    // towards use leaves each product (held by its shared weight) in rank 1; levelled, the
    // products and their constants spread over later ranks, and every edge still points
    // along the ranks.
    let terms = 12;
    let mut nodes: Vec<NodeSpec> = (0..terms).map(|_| node(50.0, 30.0, None)).collect();
    let mut edges = Vec::new();
    for _example in 0..2 {
        let mut previous = nodes.len();
        nodes.push(node(50.0, 30.0, None)); // s_0
        for w in 0..terms {
            let base = nodes.len();
            nodes.extend((0..3).map(|_| node(50.0, 30.0, None))); // c_k, product, s_k
            let (c, product, s) = (base, base + 1, base + 2);
            edges.extend([(w, product), (c, product), (product, s), (previous, s)]);
            previous = s;
        }
    }
    let graph = Graph {
        nodes,
        edges,
        clusters: Vec::new(),
    };
    let crowd = |layout: &Layout| {
        let mut per_column = std::collections::BTreeMap::new();
        for p in &layout.nodes {
            *per_column.entry(p.x.round() as i64).or_insert(0) += 1;
        }
        per_column.into_values().max().unwrap_or(0)
    };
    let after = layout(&graph, &Options::default());
    check(&graph, &after).unwrap();
    for &(a, b) in &graph.edges {
        assert!(after.nodes[a].x < after.nodes[b].x, "{a}->{b}");
    }
    let plain = Options {
        improve_ranks: false,
        ..Options::default()
    };
    let before = layout(&graph, &plain);
    // By longest path alone rank 0 holds the 12 weights, 24 constants and both starts;
    // pulling towards use moves only the starts (each product is held by its shared
    // weight), so without levelling 36 stay there.
    assert!(crowd(&before) >= 3 * terms, "{}", crowd(&before));
    assert!(crowd(&after) < 3 * terms, "{}", crowd(&after));
}

#[test]
fn a_running_sum_over_rows_with_shared_weights_runs_along_the_ranks() {
    // Row k: t_k = w * x_k, with w shared by every row; then s_k = s_{k-1} + t_k through a
    // join node j_k, as micrograd's figure has it (value -> op -> value). No edge of it
    // points back against the rank direction, as none did in the ladder it was once folded
    // into.
    let rows = 30;
    let mut nodes = vec![node(50.0, 30.0, None), node(50.0, 30.0, None)]; // w, s_0
    let mut edges = Vec::new();
    let mut previous = 1;
    for _ in 0..rows {
        let base = nodes.len();
        nodes.extend((0..4).map(|_| node(50.0, 30.0, None))); // x_k, t_k, j_k, s_k
        let (x, t, j, s) = (base, base + 1, base + 2, base + 3);
        edges.extend([(0, t), (x, t), (t, j), (previous, j), (j, s)]);
        previous = s;
    }
    let graph = Graph {
        nodes,
        edges,
        clusters: Vec::new(),
    };
    let after = layout(&graph, &Options::default());
    check(&graph, &after).unwrap();
    assert_eq!(after.stats.reversed, 0, "{:?}", after.stats);
    for &(a, b) in &graph.edges {
        assert!(after.nodes[a].x < after.nodes[b].x, "{a}->{b}");
    }
}

#[test]
fn clusters_hold_their_members_and_no_one_else() {
    // Two copies of a small graph, each in its cluster, with a nested cluster in the first.
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    for copy in 0..2 {
        let base = nodes.len();
        for i in 0..6 {
            let cluster = if copy == 0 && i < 2 {
                Some(2)
            } else {
                Some(copy)
            };
            nodes.push(node(120.0, 36.0, cluster));
            if i > 0 {
                edges.push((base + i / 2, base + i));
            }
        }
    }
    nodes.push(node(40.0, 40.0, None));
    edges.push((5, 12));
    edges.push((11, 12));
    let graph = Graph {
        nodes,
        edges,
        clusters: vec![
            ClusterSpec { parent: None },
            ClusterSpec { parent: None },
            ClusterSpec { parent: Some(0) },
        ],
    };
    for direction in [Direction::LeftToRight, Direction::TopToBottom] {
        let layout = layout(&graph, &Options::default().with_direction(direction));
        check(&graph, &layout).unwrap();
        assert!(layout.clusters.iter().all(Option::is_some));
    }
}

#[test]
fn clusters_in_different_ranks_sit_side_by_side() {
    // Layer-like clusters, one after another along the ranks (as `--group` draws a network):
    // A holds ranks 0-1, B ranks 2-3, C ranks 4-5; they need no band of their own. (Top to
    // bottom, a title reaches into the gap before its cluster, so there they stack.)
    let nodes = (0..6).map(|i| node(120.0, 36.0, Some(i / 2))).collect();
    let edges = (1..6).map(|i| (i - 1, i)).collect();
    let graph = Graph {
        nodes,
        edges,
        clusters: vec![ClusterSpec { parent: None }; 3],
    };
    for direction in [Direction::LeftToRight, Direction::RightToLeft] {
        let layout = layout(&graph, &Options::default().with_direction(direction));
        check(&graph, &layout).unwrap();
        let boxes: Vec<Rect> = layout.clusters.iter().map(|b| b.unwrap()).collect();
        let across = |r: &Rect| (r.y, r.y + r.height);
        for pair in boxes.windows(2) {
            let (a, b) = (across(&pair[0]), across(&pair[1]));
            assert!(a.0 < b.1 && b.0 < a.1, "{direction:?}: {boxes:?}");
        }
    }
}

#[test]
fn empty_and_degenerate_graphs_lay_out() {
    let empty = Graph::default();
    let layout = layout(&empty, &Options::default());
    assert!(layout.nodes.is_empty());
    let odd = Graph {
        nodes: vec![node(10.0, 10.0, Some(7))],
        edges: vec![(0, 0), (0, 5)],
        clusters: vec![ClusterSpec { parent: Some(3) }],
    };
    let laid = super::layout(&odd, &Options::default());
    assert!(laid.edges.iter().all(Vec::is_empty));
    assert_eq!(laid.clusters, vec![None]);
}

#[test]
fn a_deep_graph_does_not_recurse() {
    let graph = chain(200_000);
    let layout = layout(&graph, &Options::default());
    assert_eq!(layout.stats.ranks, 200_000);
}

/// A random DAG: edges only from lower to higher index, sizes of records and op nodes,
/// some nodes in (possibly nested) clusters.
fn random_graph() -> impl Strategy<Value = Graph> {
    (2usize..40, 0usize..4).prop_flat_map(|(n, clusters)| {
        let sizes = prop::collection::vec((20.0f64..220.0, 20.0f64..60.0), n);
        let edges = prop::collection::vec((0..n, 0..n), 0..3 * n);
        let membership = prop::collection::vec(0..clusters + 1, n);
        let parents = prop::collection::vec(0..clusters + 1, clusters);
        (sizes, edges, membership, parents).prop_map(move |(sizes, edges, membership, parents)| {
            Graph {
                nodes: sizes
                    .into_iter()
                    .zip(membership)
                    .map(|((w, h), m)| node(w, h, (m < clusters).then_some(m)))
                    .collect(),
                edges: edges
                    .into_iter()
                    .map(|(a, b)| (a.min(b), a.max(b)))
                    .collect(),
                clusters: parents
                    .into_iter()
                    .map(|p| ClusterSpec {
                        parent: (p < clusters).then_some(p),
                    })
                    .collect(),
            }
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_dags_keep_every_promise(graph in random_graph(), d in 0usize..4) {
        let direction = [
            Direction::LeftToRight,
            Direction::TopToBottom,
            Direction::RightToLeft,
            Direction::BottomToTop,
        ][d];
        let layout = layout(&graph, &Options::default().with_direction(direction));
        if let Err(broken) = check(&graph, &layout) {
            return Err(TestCaseError::fail(broken));
        }
    }

    #[test]
    fn random_graphs_with_cycles_keep_every_promise(
        n in 2usize..30,
        edges in prop::collection::vec((0usize..30, 0usize..30), 0..60),
    ) {
        let graph = Graph {
            nodes: (0..n).map(|i| node(30.0 + (i % 5) as f64 * 20.0, 30.0, None)).collect(),
            edges: edges.into_iter().filter(|&(a, b)| a < n && b < n).collect(),
            clusters: Vec::new(),
        };
        let layout = layout(&graph, &Options::default());
        if let Err(broken) = check(&graph, &layout) {
            return Err(TestCaseError::fail(broken));
        }
    }

    #[test]
    fn the_same_graph_gives_the_same_layout(graph in random_graph()) {
        prop_assert_eq!(layout(&graph, &Options::default()), layout(&graph, &Options::default()));
    }
}

//! `make bench` / `make bench-peer`: gradviz's benchmark workloads, each beside the same
//! work in CPython micrograd where there is a peer, in one table.
//!
//! - engine (`chain …`, `mlp …`): graphs of about 1k to 1M values, forward and backward;
//! - scripts (`script …`): a 100,000-statement lecture-style script to DOT, in process and
//!   as whole processes, and a million-statement one (on request);
//! - figures (`draw_dot mlp 100k`, `neuron svg process`): DOT text of a 100k-value graph,
//!   and the lecture neuron to SVG as a whole process;
//! - JSON (`json …`): a million-node graph written, read, validated and checked;
//! - real Python (`python …`, `subset 100k process`): a notebook and a 100k-value graph
//!   run in CPython by the runner, beside the same graph in the subset.
//!
//! Each group's module in `benches/workloads/` says what is timed and its targets; every
//! target is reported met or missed after the table. Words on the command line select
//! workloads by name (`make bench BENCH_ARGS="script 1M"`).

mod common;
mod workloads;

use common::alloc::CountingAlloc;

#[global_allocator]
static ALLOCATOR: CountingAlloc = CountingAlloc;

fn main() {
    let outcomes = common::run(&workloads::all());
    common::finish(&outcomes);
}

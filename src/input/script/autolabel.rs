//! Automatic labels: a value without an explicit label takes the name of the first
//! variable it is bound to. A name that is bound again and again (`c += …` in micrograd's
//! README, `x = x * w` in a loop) would label many values alike, so the k-th distinct value
//! that takes its label from a name is labelled `name#k` for k ≥ 2: `c`, `c#2`, `c#3`.
//! `#` cannot appear in a Python name, so such a label never collides with another
//! variable's. Both script runners (the builtin interpreter and CPython's) label with
//! [`AutoLabels`], so the figure, the check table and the JSON agree whichever ran.

use rustc_hash::FxHashMap;

/// The label of the `k`-th distinct value (from 1) named after `name`.
pub fn rebound_label(name: &str, k: usize) -> String {
    let mut label = String::new();
    write_rebound_label(name, k, &mut label);
    label
}

/// [`rebound_label`] written into `label`, which is emptied first. Written out rather than
/// with `format!`: a lecture loop labels every value it binds.
fn write_rebound_label(name: &str, k: usize, label: &mut String) {
    label.clear();
    label.push_str(name);
    if k > 1 {
        label.push('#');
        label.push_str(itoa::Buffer::new().format(k));
    }
}

/// How many values have taken their label from each name so far.
#[derive(Debug, Default, Clone)]
pub struct AutoLabels {
    taken: FxHashMap<String, usize>,
}

impl AutoLabels {
    /// The label for the next value that takes its label from `name` (counted).
    ///
    /// ```
    /// use gradviz::input::script::AutoLabels;
    ///
    /// let mut labels = AutoLabels::default();
    /// assert_eq!(labels.next("c"), "c");
    /// assert_eq!(labels.next("d"), "d");
    /// assert_eq!(labels.next("c"), "c#2");
    /// assert_eq!(labels.next("c"), "c#3");
    /// ```
    pub fn next(&mut self, name: &str) -> String {
        let mut label = String::new();
        self.next_into(name, &mut label);
        label
    }

    /// [`AutoLabels::next`] written into `label` (emptied first), so that a caller labelling
    /// value after value reuses one buffer.
    pub fn next_into(&mut self, name: &str, label: &mut String) {
        let count = match self.taken.get_mut(name) {
            Some(count) => count,
            None => self.taken.entry(name.to_string()).or_insert(0),
        };
        *count += 1;
        write_rebound_label(name, *count, label);
    }
}

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
    if k <= 1 {
        return name.to_string();
    }
    // Written out rather than `format!`: a lecture loop labels every value it binds.
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(k);
    let mut label = String::with_capacity(name.len() + 1 + digits.len());
    label.push_str(name);
    label.push('#');
    label.push_str(digits);
    label
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
        let count = match self.taken.get_mut(name) {
            Some(count) => count,
            None => self.taken.entry(name.to_string()).or_insert(0),
        };
        *count += 1;
        rebound_label(name, *count)
    }
}

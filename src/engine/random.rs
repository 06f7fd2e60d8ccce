//! Python's `random` module, as far as micrograd's `nn.py` uses it: `random.seed(n)` for an
//! integer `n` and `random.uniform(a, b)`, on the same MT19937 stream, so that a seeded
//! network here gets exactly the weights micrograd gets for that seed.

const N: usize = 624;
const M: usize = 397;

/// A Mersenne Twister seeded and read as CPython's `random.Random` does.
#[derive(Clone)]
pub struct PyRandom {
    state: [u32; N],
    index: usize,
}

impl PyRandom {
    /// `random.seed(seed)` for an integer seed: the key is |seed| in 32-bit words,
    /// least significant first, as CPython's `init_by_array` receives it.
    pub fn new(seed: i64) -> Self {
        let magnitude = seed.unsigned_abs();
        let mut key = vec![magnitude as u32];
        if magnitude >> 32 != 0 {
            key.push((magnitude >> 32) as u32);
        }
        let mut rng = PyRandom {
            state: [0; N],
            index: N,
        };
        rng.init_by_array(&key);
        rng
    }

    fn init_genrand(&mut self, seed: u32) {
        self.state[0] = seed;
        for i in 1..N {
            let prev = self.state[i - 1];
            self.state[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        self.index = N;
    }

    fn init_by_array(&mut self, key: &[u32]) {
        self.init_genrand(19_650_218);
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..N.max(key.len()) {
            let prev = self.state[i - 1];
            self.state[i] = (self.state[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                self.state[0] = self.state[N - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..N - 1 {
            let prev = self.state[i - 1];
            self.state[i] = (self.state[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_566_083_941))
                .wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                self.state[0] = self.state[N - 1];
                i = 1;
            }
        }
        self.state[0] = 0x8000_0000;
    }

    fn next_u32(&mut self) -> u32 {
        if self.index >= N {
            self.twist();
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    fn twist(&mut self) {
        const UPPER: u32 = 0x8000_0000;
        const LOWER: u32 = 0x7fff_ffff;
        for k in 0..N {
            let y = (self.state[k] & UPPER) | (self.state[(k + 1) % N] & LOWER);
            let mag = if y & 1 == 0 { 0 } else { 0x9908_b0df };
            self.state[k] = self.state[(k + M) % N] ^ (y >> 1) ^ mag;
        }
        self.index = 0;
    }

    /// `random.random()`: a float in [0, 1) with 53 random bits.
    pub fn random(&mut self) -> f64 {
        let a = self.next_u32() >> 5;
        let b = self.next_u32() >> 6;
        (f64::from(a) * 67_108_864.0 + f64::from(b)) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// `random.uniform(a, b)`: `a + (b - a) * random()`.
    pub fn uniform(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * self.random()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values printed by CPython 3.11: `random.seed(s)`, then `random()` or
    /// `uniform(-1, 1)`.
    #[test]
    fn matches_cpython_streams() {
        let mut rng = PyRandom::new(42);
        assert_eq!(rng.random(), 0.6394267984578837);
        assert_eq!(rng.random(), 0.025010755222666936);
        assert_eq!(rng.random(), 0.27502931836911926);
        assert_eq!(PyRandom::new(1337).uniform(-1.0, 1.0), 0.23550571390294128);
        assert_eq!(PyRandom::new((1 << 40) + 5).random(), 0.5043802970418443);
        assert_eq!(PyRandom::new(-7).random(), 0.32383276483316237);
        assert_eq!(PyRandom::new(0).random(), 0.8444218515250481);
    }
}

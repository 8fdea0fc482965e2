//! The one configuration of every property test in the host: a fixed seed, so a run is the same
//! every time, and nothing written to disk. A leaf, so that any room's tests may use it.

use proptest::test_runner::{Config, RngAlgorithm, RngSeed};

/// `cases` generated inputs per property, from a fixed seed, with nothing written to disk.
pub(crate) fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(0x5969_7761_6e67),
        ..Config::default()
    }
}

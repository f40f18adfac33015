//! Dictionary cracking of the hash schemes Linux images and web servers use, under a time budget.
//!
//! A hash is parsed once into a [`Verifier`] (scheme, salt, cost, expected digest); the cost is
//! priced before the first guess from a one-off calibration on this machine, so a hash whose
//! parameters would make a single guess outlast the budget (bcrypt cost 31, SHA-crypt with a
//! billion rounds, yescrypt asking for gigabytes) is reported as not checked instead of hanging
//! the scan. Guesses then run in parallel on rayon's pool and stop at the per-hash deadline.

mod calib;
mod encoding;
mod md5crypt;
mod verify;
mod wordlist;
mod yescrypt_params;

pub use verify::{NotChecked, Scheme, Verifier};
pub use wordlist::{Candidate, Source, Wordlist};

use rayon::prelude::*;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How much work one hash may cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CrackBudget {
    /// Wall-clock limit for one hash, from its first guess to its last (guesses for one hash run
    /// in parallel, so this is elapsed time, not CPU time). A hash whose single guess would take
    /// longer is not tried at all.
    pub per_hash: Duration,
    /// How many list words slow schemes get (bcrypt, yescrypt, and anything costing over
    /// [`SLOW_GUESS`] per guess). The empty password and user-name variants always come first
    /// and are not counted. Cheap schemes get the whole list.
    pub max_words: usize,
}

impl Default for CrackBudget {
    /// 25 seconds, and 100 words for slow schemes. Measured on a 2-core machine (data/README.md,
    /// `examples/crack_speed.rs`): SHA-512-crypt at its default 5000 rounds, the slowest of the
    /// fast schemes, tries the whole 31,819-word list in about 22 s on both cores, so every fast
    /// scheme gets the whole list; yescrypt at Debian's default cost takes about 2.6 s for its
    /// 100 words. A weak hash falls in the first guesses, so only strong hashes cost the budget.
    fn default() -> Self {
        CrackBudget {
            per_hash: Duration::from_secs(25),
            max_words: 100,
        }
    }
}

/// A guess slower than this makes a scheme "slow": it only gets [`CrackBudget::max_words`].
pub const SLOW_GUESS: Duration = Duration::from_millis(5);

/// Largest yescrypt memory cost tried per guess; each rayon worker holds one such buffer.
pub const YESCRYPT_MEMORY_LIMIT: u64 = 256 << 20;

/// What happened to one hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Cracked {
        password: String,
        source: Source,
    },
    /// Every candidate within the budget failed; `exhausted` says whether all were tried.
    NotFound {
        exhausted: bool,
    },
    NotChecked(NotChecked),
}

/// The outcome with the work it took.
#[derive(Clone, Debug)]
pub struct CrackReport {
    pub outcome: Outcome,
    /// Guesses actually computed.
    pub tried: usize,
    /// Candidates that were lined up (after the slow-scheme cut).
    pub candidates: usize,
    /// From the first guess to the end: the time this hash cost, which the budget bounds
    /// (time spent queued behind other work is not counted).
    pub elapsed: Duration,
}

/// Tries the candidates for `user` against `verifier` within `budget`. The first matching
/// candidate in list order wins, so DES's 8-character truncation reports `password`, not
/// `password1`.
pub fn crack(
    verifier: &Verifier,
    user: Option<&str>,
    wordlist: &Wordlist,
    budget: &CrackBudget,
) -> CrackReport {
    let not_checked = |why| CrackReport {
        outcome: Outcome::NotChecked(why),
        tried: 0,
        candidates: 0,
        elapsed: Duration::ZERO,
    };
    let memory = verifier.memory();
    if memory > YESCRYPT_MEMORY_LIMIT {
        return not_checked(NotChecked::OverMemory {
            needed_mib: memory >> 20,
            limit_mib: YESCRYPT_MEMORY_LIMIT >> 20,
        });
    }
    let estimate = verifier.estimate();
    if estimate > budget.per_hash {
        return not_checked(NotChecked::OverBudget {
            estimate,
            budget: budget.per_hash,
        });
    }
    let slow = verifier.scheme().is_memory_hard() || estimate > SLOW_GUESS;
    let limit = if slow { budget.max_words } else { usize::MAX };
    let candidates = wordlist.candidates(user, limit);
    // The clock starts with the first guess, not on entry: when the pool is busy with other
    // hashes (or other callers), waiting for a worker must not eat this hash's budget.
    let first_guess: OnceLock<Instant> = OnceLock::new();
    // Last observed guess time, so no worker starts a guess it cannot finish before the deadline.
    let guess_nanos = AtomicU64::new(u64::try_from(estimate.as_nanos()).unwrap_or(u64::MAX));
    let tried = AtomicUsize::new(0);
    let found = candidates
        .par_iter()
        .with_min_len(if slow { 1 } else { 64 })
        .find_map_first(|c| {
            let now = Instant::now();
            // Checked: a caller's `Duration::MAX` budget means "no deadline", not a panic.
            let deadline = first_guess.get_or_init(|| now).checked_add(budget.per_hash);
            let guess_end =
                now.checked_add(Duration::from_nanos(guess_nanos.load(Ordering::Relaxed)));
            if let (Some(deadline), Some(end)) = (deadline, guess_end)
                && end > deadline
            {
                return None;
            }
            let ok = verifier.verify(c.word.as_bytes());
            guess_nanos.store(
                u64::try_from(now.elapsed().as_nanos()).unwrap_or(u64::MAX),
                Ordering::Relaxed,
            );
            tried.fetch_add(1, Ordering::Relaxed);
            ok.then_some(c)
        });
    let tried = tried.into_inner();
    let outcome = match found {
        Some(c) => Outcome::Cracked {
            password: c.word.to_string(),
            source: c.source,
        },
        None => Outcome::NotFound {
            exhausted: tried == candidates.len(),
        },
    };
    let elapsed = first_guess.get().map_or(Duration::ZERO, Instant::elapsed);
    CrackReport {
        outcome,
        tried,
        candidates: candidates.len(),
        elapsed,
    }
}

/// [`crack`] for many hashes at once, in parallel; results in input order.
pub fn crack_all(
    jobs: &[(&Verifier, Option<&str>)],
    wordlist: &Wordlist,
    budget: &CrackBudget,
) -> Vec<CrackReport> {
    jobs.par_iter()
        .map(|(v, user)| crack(v, *user, wordlist, budget))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quick() -> CrackBudget {
        CrackBudget {
            per_hash: Duration::from_secs(20),
            max_words: 20,
        }
    }

    #[test]
    fn cracks_and_reports_the_source() {
        let wl = Wordlist::builtin();
        let v = Verifier::parse("$1$WlvDi/Ea$xHdRB8UGtQyvlR2ObirvD0").expect("md5");
        let r = crack(&v, Some("alice"), &wl, &quick());
        assert_eq!(
            r.outcome,
            Outcome::Cracked {
                password: "password".into(),
                source: Source::VendorDefault
            }
        );
    }

    #[test]
    fn refuses_absurd_costs_before_guessing() {
        let budget = CrackBudget {
            per_hash: Duration::from_millis(200),
            max_words: 10,
        };
        let wl = Wordlist::builtin();
        // bcrypt cost 31: 2^31 key expansions, hours per guess.
        let v = Verifier::parse("$2b$31$VeUUhEYumuOZuOBazuHq4uKL4oTuvXpZV0CEMYy3Q39GydmAeXC5W")
            .expect("bcrypt");
        let r = crack(&v, None, &wl, &budget);
        assert!(
            matches!(
                r.outcome,
                Outcome::NotChecked(NotChecked::OverBudget { .. })
            ),
            "{:?}",
            r.outcome
        );
        assert_eq!(r.tried, 0);
        // SHA-512-crypt at the maximum rounds.
        let v = Verifier::parse("$6$rounds=999999999$p1S8yn7pOuUZbsSi$j6xFvQCORrGPuFVglHctvgwIEJnQ5lgAMPex5HjGJT32bwE6g4rKhl48OPa74jUQg1BsXgowIylJl8zyEzDN51").expect("sha");
        assert!(matches!(
            crack(&v, None, &wl, &budget).outcome,
            Outcome::NotChecked(NotChecked::OverBudget { .. })
        ));
    }
}

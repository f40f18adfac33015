//! Guesses per second per scheme on this machine, one thread and all threads.
//!
//! `cargo run --release --example crack_speed [SECONDS_PER_SCHEME]`
//!
//! The hashes are at the cost their tools use by default (`mkpasswd`, `openssl passwd`,
//! `htpasswd`), so the numbers say how far the budget goes on real images. Compare with
//! `bench/crypt_speed.sh`, which times libxcrypt's crypt(3) on the same hashes.

use drydock_creds::crack::Verifier;
use rayon::prelude::*;
use std::time::{Duration, Instant};

const HASHES: &[(&str, &str)] = &[
    ("DES crypt", "1DD2oUwBzywy6"),
    ("MD5-crypt", "$1$WlvDi/Ea$xHdRB8UGtQyvlR2ObirvD0"),
    ("APR1", "$apr1$pwhJslkr$.EheqTon2eV.DzD4ve7QJ/"),
    ("{SHA}", "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="),
    (
        "SHA-256-crypt rounds=5000",
        "$5$4cU2isadbDJFKvQm$uqnKigK3kLbHLl5DwM3NdgyMd9INvdEyNUo4J5JqNN2",
    ),
    (
        "SHA-512-crypt rounds=5000",
        "$6$75XEiDRUnQq.dr7u$pjlFhYZMVKSbEuMes.7lZxcmC9STMozwZhfIoVQa1dZcNETMPhLSXVXv0sewq/J4Ld67/KGScc1Wgdz7b7yeR0",
    ),
    (
        "bcrypt cost 5",
        "$2b$05$VeUUhEYumuOZuOBazuHq4uKL4oTuvXpZV0CEMYy3Q39GydmAeXC5W",
    ),
    (
        "bcrypt cost 10",
        "$2b$10$/NOiLTPXuO.enmkm/jliY./el6QBGrf4vmOALTAivwS7Rgx4qR71C",
    ),
    (
        "yescrypt j9T (Debian default)",
        "$y$j9T$oocURyceKXoY9Y99rYvwX.$AM5k9PXvqilxqQLxzKIXn5JNpcKiqjREK0tSrCI8qHA",
    ),
    (
        "gost-yescrypt j9T",
        "$gy$j9T$PrpIVJwZZIS7iplRbznx2.$7ce9SH8/2pf7WUspWSBUAYYwWSfodAXSVAo.FrtDWZB",
    ),
];

fn rate(v: &Verifier, secs: f64, parallel: bool) -> f64 {
    let budget = Duration::from_secs_f64(secs);
    let guesses: Vec<String> = (0..4096).map(|i| format!("guess{i}")).collect();
    // Batches of about 50 ms, so rayon's overhead does not dominate fast schemes.
    let single = single_rate(v);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let batch = ((single * 0.05) as usize).clamp(rayon::current_num_threads() * 2, guesses.len());
    let start = Instant::now();
    let mut n = 0usize;
    while start.elapsed() < budget {
        if parallel {
            guesses[..batch].par_iter().with_min_len(16).for_each(|g| {
                std::hint::black_box(v.verify(g.as_bytes()));
            });
            n += batch;
        } else {
            std::hint::black_box(v.verify(guesses[n % guesses.len()].as_bytes()));
            n += 1;
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let n = n as f64;
    n / start.elapsed().as_secs_f64()
}

/// A quick first estimate (0.2 s) to size the parallel batches.
fn single_rate(v: &Verifier) -> f64 {
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < Duration::from_millis(200) {
        std::hint::black_box(v.verify(b"warmup"));
        n += 1;
    }
    f64::from(n) / start.elapsed().as_secs_f64()
}

fn main() {
    let secs: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    println!(
        "{:<32} {:>14} {:>14}  ({} threads)",
        "scheme",
        "guesses/s 1T",
        "guesses/s all",
        rayon::current_num_threads()
    );
    for (name, hash) in HASHES {
        let v = match Verifier::parse(hash) {
            Ok(v) => v,
            Err(e) => {
                println!("{name:<32} not checked: {e}");
                continue;
            }
        };
        println!(
            "{:<32} {:>14.1} {:>14.1}",
            name,
            rate(&v, secs, false),
            rate(&v, secs, true)
        );
    }
}

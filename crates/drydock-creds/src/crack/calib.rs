//! What one unit of each scheme's cost takes on this machine, measured once per process, so a
//! hash can be priced before its first guess.

use super::yescrypt_params;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

#[derive(Clone, Copy)]
pub(super) enum Calib {
    Sha256,
    Sha512,
    Bcrypt,
    Bsdi,
    Yescrypt,
}

/// Seconds per cost unit for a scheme, measured once per process on a low-cost instance (the
/// best of three runs, so a busy moment does not inflate it). Costs are linear in their unit:
/// rounds for SHA-crypt, 2^cost for bcrypt, iterations for BSDi, N·r·passes for yescrypt.
pub(super) fn calibrate(c: Calib) -> f64 {
    static CELLS: [OnceLock<f64>; 5] = [const { OnceLock::new() }; 5];
    let idx = c as usize;
    *CELLS[idx].get_or_init(|| {
        let (units, f): (f64, Box<dyn Fn()>) = match c {
            Calib::Sha256 => (
                1000.0,
                Box::new(|| {
                    if let Ok(p) = sha_crypt::Params::new(1000) {
                        std::hint::black_box(sha_crypt::sha256_crypt(
                            b"calibrate",
                            b"saltsaltsaltsalt",
                            p,
                        ));
                    }
                }),
            ),
            Calib::Sha512 => (
                1000.0,
                Box::new(|| {
                    if let Ok(p) = sha_crypt::Params::new(1000) {
                        std::hint::black_box(sha_crypt::sha512_crypt(
                            b"calibrate",
                            b"saltsaltsaltsalt",
                            p,
                        ));
                    }
                }),
            ),
            // `htpasswd -nbB -C 4 u password` and `mkpasswd -m bsdicrypt password` (725 iterations).
            Calib::Bcrypt => (
                16.0,
                Box::new(|| {
                    std::hint::black_box(pwhash::bcrypt::verify(
                        "x",
                        "$2y$04$Y0TMy8MEmjEv8DGgi2bTyemOzuEGZrD2653nOSFXgw.ZW9MC0fP/6",
                    ));
                }),
            ),
            Calib::Bsdi => (
                725.0,
                Box::new(|| {
                    std::hint::black_box(pwhash::bsdi_crypt::verify("x", "_J9..S07u3PoJXR3fBHE"));
                }),
            ),
            Calib::Yescrypt => {
                let cost = yescrypt_params::Cost {
                    n: 1024,
                    r: 8,
                    p: 1,
                    t: 0,
                };
                (
                    cost.units(),
                    Box::new(|| {
                        if let Ok(p) = yescrypt::Params::new(yescrypt::Mode::default(), 1024, 8, 1)
                        {
                            let mut out = [0u8; 32];
                            std::hint::black_box(
                                yescrypt::yescrypt(b"calibrate", b"salt", &p, &mut out).is_ok(),
                            );
                        }
                    }),
                )
            }
        };
        let best = (0..3)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .min()
            .unwrap_or(Duration::ZERO);
        best.as_secs_f64() / units
    })
}

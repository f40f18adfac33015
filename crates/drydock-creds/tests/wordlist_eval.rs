//! How many passwords people really use the built-in lists would try: the NordPass 2025 list
//! of the 199 most used passwords (SecLists `Passwords/Common-Credentials/2025-199_most_used_passwords.txt`,
//! MIT), a list drydock does not ship, against an account named `app`.
//!
//! Fast schemes (DES, MD5-crypt, SHA-crypt at default rounds, unsalted digests) get the whole
//! list within the default budget, so their crack rate is the share found anywhere in it;
//! memory-hard schemes get the first `CrackBudget::max_words` words, so theirs is the share in
//! that head. The floors below are under the measured rates (see data/README.md).

use drydock_creds::{CrackBudget, Wordlist};

fn eval_list() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/eval/nordpass-2025-199.txt"
    );
    std::fs::read_to_string(path)
        .expect("eval list")
        .lines()
        .map(str::to_owned)
        .collect()
}

fn rate(limit: usize) -> f64 {
    let wl = Wordlist::builtin();
    let tried: std::collections::HashSet<String> = wl
        .candidates(Some("app"), limit)
        .into_iter()
        .map(|c| c.word.into_owned())
        .collect();
    let list = eval_list();
    let hit = list.iter().filter(|p| tried.contains(p.as_str())).count();
    hit as f64 / list.len() as f64
}

#[test]
fn modern_passwords_are_on_the_lists() {
    let full = rate(usize::MAX);
    let head = rate(CrackBudget::default().max_words);
    println!(
        "NordPass 2025 top 199: {:.1}% in the whole list, {:.1}% in the memory-hard head",
        full * 100.0,
        head * 100.0
    );
    assert!(full >= 0.55, "whole list covers {:.1}%", full * 100.0);
    assert!(head >= 0.12, "memory-hard head covers {:.1}%", head * 100.0);
}

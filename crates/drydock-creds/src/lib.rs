//! drydock-creds (work in progress)
pub mod crack;
mod finding;
pub mod rules;
mod text;
pub use finding::Finding;

//! One module per subcommand: its arguments (`Args`) and `run`.

pub mod capture;
pub mod diff;
pub mod events;
pub mod export;
pub mod import;
pub mod inspect;
pub mod replay;
pub mod rules;
pub mod test;
pub mod validate;

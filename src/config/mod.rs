//! Configuration: the TOML model, secret resolution, where the file is found, and errors that
//! point at `file:line:column`.

mod error;
mod load;
mod model;
pub mod paths;
mod raw;
mod secret;

pub use error::{ConfigError, ConfigErrors, ConfigWarning, Pos};
pub use load::{
    ConfigFile, EXTRA_DIR, extra_dir, load_file, parse, parse_with_extras, placeholders,
    read_extra_files,
};
pub use model::*;
pub use secret::{Secret, SecretSource};

/// The example config shipped with liveact (`liveact config init` writes it).
pub const EXAMPLE: &str = include_str!("../../config.example.toml");

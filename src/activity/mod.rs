//! Live Activity domain: field schemas, drafts, payload building, validation, lifecycle.

pub mod dates;
pub mod diagnostic;
pub mod draft;
pub mod jsonc;
pub mod lifecycle;
pub mod payload;
pub mod schema;
pub mod validate;

pub use diagnostic::{Diagnostic, Severity, has_errors};
pub use draft::{Alert, Draft, Event};
pub use lifecycle::{ActivityHistory, Lifecycle};
pub use payload::{
    Endpoint, Request, Target, build_aps, build_request, new_request_id, push_timestamp,
};
pub use schema::{FieldSpec, FieldType, Schema};
pub use validate::{Context, validate_body};

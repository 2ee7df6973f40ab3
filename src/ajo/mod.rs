//! The AJO side of the wire: IMS tokens, the execution API client, error answers in plain
//! words, and requests rendered as runnable cURL scripts.

mod answer;
pub mod client;
pub mod curl;
pub mod execution;
pub mod import;
pub mod ims;
pub mod problem;

pub use answer::{Answer, CallError};
pub use client::{AjoClient, Auth, Target, Timeouts};
pub use execution::{ExecutionReport, ScheduleReport};

//! The AJO side of the wire: rendering requests as runnable cURL scripts.

pub mod curl;

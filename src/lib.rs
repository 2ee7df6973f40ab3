//! liveact: a terminal console and headless CLI for iOS Live Activities sent through Adobe
//! Journey Optimizer API-triggered campaigns.
//!
//! The pure core ([`activity`]) turns a campaign and a draft into the exact AJO request and
//! validates it; [`config`] loads campaigns and profiles; [`ajo`] renders requests for the wire.

pub mod activity;
pub mod ajo;
pub mod cli;
pub mod config;
pub mod connect;
pub mod dispatch;
pub mod keymap;
pub mod mock;
pub mod store;
pub mod timeline;
pub mod tui;

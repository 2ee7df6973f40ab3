//! `liveact mock --listen ADDR`: the embedded mock AJO + IMS, standalone.

use super::{Cli, EXIT_OK, EXIT_USAGE, MockArgs, locate};
use crate::activity::dates;
use crate::config::{self, Config};
use crate::mock::{Faults, MockServer, MockSettings};
use std::io::Write;
use std::path::Path;

pub fn run(cli: &Cli, args: &MockArgs, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let config = match campaigns_config(cli, err) {
        Ok(config) => config,
        Err(code) => return code,
    };
    if !(0.0..=1.0).contains(&args.fail_rate) {
        let _ = writeln!(err, "error: --fail-rate is a share between 0.0 and 1.0");
        return EXIT_USAGE;
    }
    let mut faults = Faults {
        fail_rate: args.fail_rate,
        status: args.status,
        status_count: args.status_count,
        retry_after: args.retry_after,
        ..Faults::default()
    };
    for (flag, value, slot) in [
        ("--latency", &args.latency, &mut faults.latency),
        ("--token-ttl", &args.token_ttl, &mut faults.token_ttl),
        (
            "--execution-delay",
            &args.execution_delay,
            &mut faults.execution_delay,
        ),
    ] {
        if let Some(text) = value {
            match dates::parse_std_duration(text) {
                Ok(duration) => *slot = duration,
                Err(message) => {
                    let _ = writeln!(err, "error: {flag}: {message}");
                    return EXIT_USAGE;
                }
            }
        }
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = writeln!(err, "error: cannot start the async runtime: {e}");
            return EXIT_USAGE;
        }
    };
    runtime.block_on(async {
        let settings = MockSettings {
            campaigns: config.campaigns,
            credentials: None,
            faults,
        };
        let mock = match MockServer::start(args.listen, settings).await {
            Ok(mock) => mock,
            Err(e) => {
                let _ = writeln!(err, "error: cannot listen on {}: {e}", args.listen);
                return EXIT_USAGE;
            }
        };
        let _ = writeln!(out, "mock AJO listening on http://{}", mock.addr());
        let _ = writeln!(
            out,
            "  base_url = \"{}\"\n  ims_url  = \"{}\"",
            mock.base_url(),
            mock.ims_url()
        );
        let _ = writeln!(
            out,
            "  devices: http://{}/_mock/device   (Ctrl-C stops it)",
            mock.addr()
        );
        let _ = out.flush();
        let _ = tokio::signal::ctrl_c().await;
        mock.shutdown().await;
        EXIT_OK
    })
}

/// The campaigns the mock knows: from the config in use, or the shipped example.
fn campaigns_config(cli: &Cli, err: &mut dyn Write) -> Result<Config, u8> {
    match locate(cli) {
        Ok(_) => super::load_config(cli, err),
        Err(_) => {
            let _ = writeln!(
                err,
                "no config file found: the mock knows the example's campaigns"
            );
            config::parse(config::EXAMPLE, Path::new("config.example.toml"), false).map_err(|e| {
                let _ = writeln!(err, "error: {e}");
                EXIT_USAGE
            })
        }
    }
}

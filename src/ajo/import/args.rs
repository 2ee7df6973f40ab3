//! Reads curl's options from a command's words: the URL, method, headers and body.

use super::shell::Word;
use super::{ImportError, excerpt, redact};

/// What the curl command sends.
#[derive(Debug, Default)]
pub(super) struct CurlCall {
    pub url: Option<Word>,
    pub method: Option<String>,
    /// `Name: value` as written, in order.
    pub headers: Vec<String>,
    /// The body (the one `-d`, `--data-raw`, `--json`… value).
    pub body: Option<Word>,
    /// Credential values found outside headers (`client_secret=…` data, `--user`), dropped.
    pub dropped: Vec<Dropped>,
    /// Options read past without effect.
    pub ignored: Vec<String>,
}

/// A credential found in the command and left out of the import.
#[derive(Debug)]
pub(super) struct Dropped {
    /// What it was, for the warning.
    pub what: &'static str,
    /// The value, only to make sure it appears nowhere in the output.
    pub value: String,
}

/// Options without a value that change nothing about the request's content.
const FLAGS: &[&str] = &[
    "location",
    "location-trusted",
    "silent",
    "show-error",
    "include",
    "insecure",
    "verbose",
    "compressed",
    "fail",
    "fail-with-body",
    "globoff",
    "http1.1",
    "http2",
    "http2-prior-knowledge",
    "no-buffer",
    "no-progress-meter",
    "progress-bar",
    "path-as-is",
    "ipv4",
    "ipv6",
    "no-keepalive",
];
const SHORT_FLAGS: &str = "sSLikvfgN46#";

/// Options whose value changes nothing about the request's content.
const IGNORED_WITH_VALUE: &[&str] = &[
    "output",
    "max-time",
    "connect-timeout",
    "retry",
    "retry-delay",
    "retry-max-time",
    "write-out",
    "user-agent",
    "referer",
    "cookie",
    "cookie-jar",
    "resolve",
    "proxy",
    "cacert",
    "cert",
    "key",
    "limit-rate",
    "trace",
    "trace-ascii",
    "stderr",
];
const SHORT_IGNORED_WITH_VALUE: &str = "omwAebE";

/// Options that make the call something else than a JSON POST.
const REFUSED: &[(&str, &str)] = &[
    ("form", "sends a multipart form"),
    ("upload-file", "uploads a file"),
    ("get", "turns the body into a query string"),
    ("head", "sends a HEAD request"),
    ("config", "reads more options from a file"),
];

/// Reads the words of one curl command.
pub(super) fn parse(command: &str, words: &[Word]) -> Result<CurlCall, ImportError> {
    let mut words = words.iter().peekable();
    // A copied prompt (`$ curl …`) is not part of the command.
    if words.peek().is_some_and(|w| w.text == "$") {
        words.next();
    }
    match words.next() {
        Some(first) if is_curl(&first.text) => {}
        Some(first) => {
            return Err(ImportError::new(format!(
                "not a curl command: it starts with {}",
                excerpt(command, first.start)
            ))
            .hint("paste the cURL request AJO shows for the activated campaign"));
        }
        None => return Err(ImportError::new("the command is empty")),
    }
    let mut call = CurlCall::default();
    let mut options_done = false;
    while let Some(word) = words.next() {
        let text = word.text.as_str();
        let option = if options_done || !text.starts_with('-') || text == "-" {
            None
        } else if let Some(long) = text.strip_prefix("--") {
            if long.is_empty() {
                options_done = true;
                continue;
            }
            Some(Opt::Long(long))
        } else {
            Some(Opt::Short(&text[1..]))
        };
        let Some(option) = option else {
            set_url(&mut call, word)?;
            continue;
        };
        for (name, attached) in option.expand() {
            let mut value = || -> Result<Word, ImportError> {
                match attached.clone() {
                    Some(text) => Ok(Word {
                        text,
                        start: word.start,
                    }),
                    None => words.next().cloned().ok_or_else(|| {
                        ImportError::new(format!(
                            "{} needs a value, at: {}",
                            option.display(&name),
                            excerpt(command, word.start)
                        ))
                    }),
                }
            };
            if let Some(why) = refusal(&name) {
                return Err(ImportError::new(format!(
                    "{} {why}, at: {}",
                    option.display(&name),
                    excerpt(command, word.start)
                ))
                .hint("an AJO execution call is a POST with a JSON body (-d '{…}')"));
            }
            match name.as_str() {
                "H" | "header" => call.headers.push(value()?.text),
                "X" | "request" => call.method = Some(value()?.text),
                "url" => set_url(&mut call, &value()?)?,
                "d" | "data" | "data-binary" | "data-ascii" | "json" => {
                    let data = value()?;
                    if let Some(file) = data.text.strip_prefix('@') {
                        return Err(ImportError::new(format!(
                            "the body is read from the file `{file}`, at: {}",
                            excerpt(command, word.start)
                        ))
                        .hint("paste the command with the body written inline (-d '{…}')"));
                    }
                    set_body(&mut call, command, word, data)?;
                }
                "data-raw" | "data-urlencode" => {
                    let data = value()?;
                    set_body(&mut call, command, word, data)?;
                }
                "u" | "user" => {
                    let user = value()?.text;
                    if let Some((_, password)) = user.split_once(':') {
                        call.dropped.push(Dropped {
                            what: "a --user password",
                            value: password.to_string(),
                        });
                    }
                }
                long if FLAGS.contains(&long)
                    || (long.len() == 1 && SHORT_FLAGS.contains(long)) => {}
                long if IGNORED_WITH_VALUE.contains(&long)
                    || (long.len() == 1 && SHORT_IGNORED_WITH_VALUE.contains(long)) =>
                {
                    value()?;
                }
                _ => call.ignored.push(option.display(&name)),
            }
        }
    }
    Ok(call)
}

fn is_curl(program: &str) -> bool {
    let name = program.rsplit(['/', '\\']).next().unwrap_or(program);
    name.eq_ignore_ascii_case("curl") || name.eq_ignore_ascii_case("curl.exe")
}

/// Why an option (short or long name) cannot be imported, if it cannot.
fn refusal(name: &str) -> Option<&'static str> {
    let long = match name {
        "F" => "form",
        "T" => "upload-file",
        "G" => "get",
        "I" => "head",
        "K" => "config",
        long => long,
    };
    REFUSED
        .iter()
        .find(|(n, _)| *n == long)
        .map(|(_, why)| *why)
}

fn set_url(call: &mut CurlCall, word: &Word) -> Result<(), ImportError> {
    if let Some(first) = &call.url {
        return Err(ImportError::new(format!(
            "more than one URL: `{}` and `{}`",
            redact(&first.text),
            redact(&word.text)
        ))
        .hint(
            "keep only the execution URL, e.g. https://platform.adobe.io/ajo/im/executions/unitary",
        ));
    }
    call.url = Some(word.clone());
    Ok(())
}

/// Records the body; a `client_secret=…` form is dropped, a second body refused.
fn set_body(
    call: &mut CurlCall,
    command: &str,
    option: &Word,
    data: Word,
) -> Result<(), ImportError> {
    if let Some(secret) = form_secret(&data.text) {
        call.dropped.push(Dropped {
            what: "a client_secret in the data",
            value: secret,
        });
        return Ok(());
    }
    if call.body.is_some() {
        return Err(ImportError::new(format!(
            "a second body at: {}",
            excerpt(command, option.start)
        ))
        .hint("curl would join the two bodies with `&`, which is not JSON: keep one -d"));
    }
    call.body = Some(data);
    Ok(())
}

/// The value of `client_secret=…` in form data (`a=1&client_secret=…`), if any.
fn form_secret(data: &str) -> Option<String> {
    if data.trim_start().starts_with(['{', '[']) {
        return None;
    }
    data.split('&').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("client_secret")
            .then(|| value.to_string())
    })
}

/// An option as written: `-sSL`, `-HValue`, `--header`.
#[derive(Clone, Copy)]
enum Opt<'a> {
    Short(&'a str),
    Long(&'a str),
}

impl Opt<'_> {
    /// Each option name with its attached value: `-sHx` is `s` then `H` with `x`.
    fn expand(&self) -> Vec<(String, Option<String>)> {
        match *self {
            Opt::Long(name) => vec![(name.to_string(), None)],
            Opt::Short(cluster) => {
                let mut out = Vec::new();
                for (i, c) in cluster.char_indices() {
                    let rest = &cluster[i + c.len_utf8()..];
                    let takes_value = "HXdu".contains(c) || SHORT_IGNORED_WITH_VALUE.contains(c);
                    if takes_value {
                        out.push((c.to_string(), (!rest.is_empty()).then(|| rest.to_string())));
                        break;
                    }
                    out.push((c.to_string(), None));
                }
                out
            }
        }
    }

    fn display(&self, name: &str) -> String {
        match self {
            Opt::Short(_) => format!("-{name}"),
            Opt::Long(_) => format!("--{name}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ajo::import::shell::split;

    fn call(command: &str) -> Result<CurlCall, ImportError> {
        parse(command, &split(command)?)
    }

    #[test]
    fn options_clusters_and_ignored_flags() {
        let c = call(
            "curl -sSL -XPOST --url https://h/x -H 'a: 1' --header 'b: 2' -m 30 --compressed \
             --data-raw '{}' --frobnicate",
        )
        .unwrap();
        assert_eq!(c.url.unwrap().text, "https://h/x");
        assert_eq!(c.method.as_deref(), Some("POST"));
        assert_eq!(c.headers, ["a: 1", "b: 2"]);
        assert_eq!(c.body.unwrap().text, "{}");
        assert_eq!(c.ignored, ["--frobnicate"]);
    }

    #[test]
    fn credentials_outside_headers_are_dropped() {
        let c =
            call("curl https://h -d '{}' --data-urlencode 'client_secret=p8e-X' -u me:pw").unwrap();
        let values: Vec<&str> = c.dropped.iter().map(|d| d.value.as_str()).collect();
        assert_eq!(values, ["p8e-X", "pw"]);
        assert_eq!(c.body.unwrap().text, "{}");
    }

    #[test]
    fn refusals_quote_the_option() {
        let e = call("curl https://h -d '{}' -d '{}'").unwrap_err();
        assert_eq!(e.message, "a second body at: -d '{}'");
        let e = call("curl https://h -d @body.json").unwrap_err();
        assert_eq!(
            e.message,
            "the body is read from the file `body.json`, at: -d @body.json"
        );
        let e = call("curl https://a https://b").unwrap_err();
        assert_eq!(e.message, "more than one URL: `https://a` and `https://b`");
        let e = call("wget https://a").unwrap_err();
        assert_eq!(
            e.message,
            "not a curl command: it starts with wget https://a"
        );
        let e = call("curl -F a=b https://a").unwrap_err();
        assert_eq!(e.message, "-F sends a multipart form, at: -F a=b https://a");
        let e = call("curl https://a -H").unwrap_err();
        assert_eq!(e.message, "-H needs a value, at: -H");
    }
}

//! What the run tells its operator: an indicatif bar with rows/s and ETA on
//! a terminal, one JSON object per line with `--log-format json`, plain
//! lines otherwise. Everything goes to stderr except JSON events (stdout).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{json, Value};
use std::io::IsTerminal;

pub struct Progress {
    json: bool,
    bar: Option<ProgressBar>,
}

impl Progress {
    pub fn new(json: bool) -> Progress {
        Progress { json, bar: None }
    }

    pub fn is_json(&self) -> bool {
        self.json
    }

    /// One event: `name` plus fields. Human output is a short line.
    pub fn event(&self, name: &str, fields: Value) {
        if self.json {
            let mut obj = json!({"schema_version": 1, "event": name});
            if let (Some(o), Value::Object(f)) = (obj.as_object_mut(), fields) {
                o.extend(f);
            }
            println!("{obj}");
            return;
        }
        let detail = match &fields {
            Value::Object(m) if !m.is_empty() => {
                let parts: Vec<String> = m
                    .iter()
                    .map(|(k, v)| match v {
                        Value::String(s) => format!("{k}={s}"),
                        other => format!("{k}={other}"),
                    })
                    .collect();
                format!(" ({})", parts.join(", "))
            }
            _ => String::new(),
        };
        let line = format!("osc: {name}{detail}");
        match &self.bar {
            Some(b) => b.println(line),
            None => eprintln!("{line}"),
        }
    }

    /// Starts the copy bar (terminal only).
    pub fn start_copy(&mut self, total_estimate: u64, done: u64) {
        if self.json || !std::io::stderr().is_terminal() || std::env::var_os("NO_COLOR").is_some() {
            return;
        }
        let bar = ProgressBar::with_draw_target(
            Some(total_estimate.max(done)),
            ProgressDrawTarget::stderr(),
        );
        bar.set_style(
            ProgressStyle::with_template("copy [{bar:40}] {pos}/{len} rows  {per_sec}  ETA {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_position(done);
        self.bar = Some(bar);
    }

    pub fn copied(&self, rows: u64) {
        if let Some(b) = &self.bar {
            if b.position() + rows > b.length().unwrap_or(0) {
                b.set_length(b.position() + rows);
            }
            b.inc(rows);
        }
    }

    pub fn finish_copy(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

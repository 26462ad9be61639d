//! The progress display of a long run: checks done out of the total, and
//! the ones running now. Only on a terminal: never in CI logs (`CI`,
//! `GITHUB_ACTIONS` or `GITLAB_CI` set) or when stderr is piped, and it
//! clears itself before the summary is printed.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::run::{Outcome, Progress};

pub(crate) struct Bar {
    bar: ProgressBar,
    running: Mutex<Vec<String>>,
}

/// Whether a progress display belongs on this stderr.
pub(crate) fn wanted() -> bool {
    let ci = ["CI", "GITHUB_ACTIONS", "GITLAB_CI"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty() && x != "false"));
    !ci && std::io::stderr().is_terminal()
}

impl Bar {
    pub(crate) fn new() -> Bar {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} checks {pos}/{len} {elapsed} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Bar {
            bar,
            running: Mutex::new(Vec::new()),
        }
    }

    fn show_running(&self, running: &[String]) {
        self.bar.set_message(if running.is_empty() {
            String::new()
        } else {
            format!("running {}", running.join(", "))
        });
    }
}

impl Progress for Bar {
    fn started(&self, total: usize) {
        self.bar.set_length(total as u64);
        self.bar.enable_steady_tick(Duration::from_millis(120));
    }

    fn check_started(&self, id: &str) {
        if let Ok(mut running) = self.running.lock() {
            running.push(id.to_string());
            self.show_running(&running);
        }
    }

    fn check_finished(&self, id: &str, _: Outcome) {
        if let Ok(mut running) = self.running.lock() {
            running.retain(|r| r != id);
            self.show_running(&running);
        }
        self.bar.inc(1);
    }

    fn finished(&self) {
        self.bar.finish_and_clear();
    }
}

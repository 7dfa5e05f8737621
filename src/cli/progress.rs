//! Progress display: a spinner with elapsed time on a terminal, plain log lines otherwise.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// One long step (loading, key generation, proving).
pub struct Step {
    bar: Option<ProgressBar>,
    started: Instant,
    message: std::cell::RefCell<String>,
}

impl Step {
    /// Starts a step: a spinner on a terminal, a log line otherwise.
    pub fn start(message: impl Into<String>) -> Step {
        let message = message.into();
        let bar = if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_message(message.clone());
            bar.enable_steady_tick(Duration::from_millis(120));
            Some(bar)
        } else {
            eprintln!("{message} ...");
            None
        };
        Step {
            bar,
            started: Instant::now(),
            message: std::cell::RefCell::new(message),
        }
    }

    /// Changes the message.
    pub fn set_message(&self, message: String) {
        match &self.bar {
            Some(bar) => bar.set_message(message.clone()),
            None => eprintln!("{message} ..."),
        }
        *self.message.borrow_mut() = message;
    }

    /// Ends the step and returns its duration.
    pub fn finish(self) -> Duration {
        let took = self.started.elapsed();
        let line = format!(
            "{} done in {:.2} s",
            self.message.borrow(),
            took.as_secs_f64()
        );
        match &self.bar {
            Some(bar) => bar.finish_with_message(line),
            None => eprintln!("{line}"),
        }
        took
    }
}

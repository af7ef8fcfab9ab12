//! A FIFO ticket lock: sessions on several threads take turns on the one
//! device one forward call at a time, in arrival order (std's Mutex makes no
//! fairness promise, so one busy thread could starve the others).

use crate::error::{Error, Result};
use std::sync::{Condvar, Mutex};

/// Ticket lock: `next` is handed out, `serving` is admitted.
#[derive(Debug, Default)]
pub(crate) struct FairQueue {
    counters: Mutex<(u64, u64)>,
    turn: Condvar,
}

/// Held while a forward call runs; the next ticket is admitted on drop.
pub(crate) struct Turn<'a>(&'a FairQueue);

impl FairQueue {
    pub fn enter(&self) -> Result<Turn<'_>> {
        let poisoned = |_| Error::InvalidArgument { reason: "device queue poisoned by a panic".into() };
        let mut c = self.counters.lock().map_err(poisoned)?;
        let ticket = c.0;
        c.0 += 1;
        while c.1 != ticket {
            c = self.turn.wait(c).map_err(poisoned)?;
        }
        Ok(Turn(self))
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        if let Ok(mut c) = self.0.counters.lock() {
            c.1 += 1;
        }
        self.0.turn.notify_all();
    }
}

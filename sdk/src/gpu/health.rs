//! What the device has told us out of band: an uncaptured error, or that it
//! was lost. wgpu's default uncaptured-error handler panics, and a lost
//! device otherwise shows up only as vague failures of later calls; this
//! module turns both into typed [`Error`]s that every GPU call checks.

use crate::error::{Error, Result};
use std::sync::{Arc, Mutex};

/// Shared with the callbacks registered on the device.
#[derive(Debug, Default)]
pub(crate) struct Health {
    lost: Mutex<Option<String>>,
    uncaptured: Mutex<Option<Error>>,
}

impl Health {
    /// Register the uncaptured-error handler and the device-lost callback.
    pub fn install(device: &wgpu::Device) -> Arc<Self> {
        let health = Arc::new(Health::default());
        let h = health.clone();
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            tracing::error!("uncaptured GPU error: {e}");
            let mut slot = h.uncaptured.lock().unwrap_or_else(|p| p.into_inner());
            // Keep the first: later errors are usually consequences of it.
            if slot.is_none() {
                *slot = Some(gpu_error("GPU operation", 0, e));
            }
        }));
        let h = health.clone();
        device.set_device_lost_callback(move |reason, message| {
            let why = match reason {
                wgpu::DeviceLostReason::Destroyed => format!("the device was destroyed ({message})"),
                wgpu::DeviceLostReason::Unknown => format!("the driver lost the device ({message})"),
            };
            tracing::error!("GPU device lost: {why}");
            h.mark_lost(why);
        });
        health
    }

    pub fn mark_lost(&self, why: String) {
        let mut slot = self.lost.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            *slot = Some(why);
        }
    }

    /// Why the device was lost, if it was.
    pub fn lost(&self) -> Option<String> {
        self.lost.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// `DeviceLost` once the device is gone, else the first uncaptured error
    /// since the last check (taken, so one bad call does not poison the next).
    pub fn check(&self, device: &wgpu::Device) -> Result<()> {
        if let Some(reason) = self.lost() {
            return Err(Error::DeviceLost { reason });
        }
        let taken = self.uncaptured.lock().unwrap_or_else(|p| p.into_inner()).take();
        match taken {
            // Calls on a destroyed device fail before wgpu reports the loss.
            Some(e) => Err(self.explain(device, e)),
            None => Ok(()),
        }
    }

    /// The error to report for a failed call: `DeviceLost` when that is the
    /// cause (polling first lets wgpu run the lost callback), else `fallback`.
    pub fn explain(&self, device: &wgpu::Device, fallback: Error) -> Error {
        if self.lost().is_none() {
            let _ = device.poll(wgpu::PollType::Poll);
        }
        match self.lost() {
            Some(reason) => Error::DeviceLost { reason },
            None => fallback,
        }
    }
}

/// A wgpu error as a typed error: out-of-memory keeps its own variant.
pub(crate) fn gpu_error(what: &str, bytes: u64, e: wgpu::Error) -> Error {
    match e {
        wgpu::Error::OutOfMemory { .. } => Error::GpuOutOfMemory { what: what.to_owned(), bytes },
        other => Error::Gpu { reason: format!("{what}: {other}") },
    }
}

/// Run `f` inside out-of-memory and validation error scopes and return its
/// value, or the typed error it raised (`DeviceLost` when the device is gone).
pub(crate) fn scoped<T>(
    device: &wgpu::Device,
    health: &Health,
    what: &str,
    bytes: u64,
    f: impl FnOnce() -> T,
) -> Result<T> {
    health.check(device)?;
    let internal = device.push_error_scope(wgpu::ErrorFilter::Internal);
    let oom = device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
    let validation = device.push_error_scope(wgpu::ErrorFilter::Validation);
    let out = f();
    // Scopes pop in reverse order of their pushing.
    let v = pollster::block_on(validation.pop());
    let o = pollster::block_on(oom.pop());
    let i = pollster::block_on(internal.pop());
    match o.or(v).or(i) {
        Some(e) => Err(health.explain(device, gpu_error(what, bytes, e))),
        None => Ok(out),
    }
}

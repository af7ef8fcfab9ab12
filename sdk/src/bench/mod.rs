//! Measurement helpers behind `hearth bench`: the adapter's roofline (read
//! bandwidth, copy bandwidth, FMA throughput), kernel microbenchmarks, and
//! the traffic and arithmetic of a forward pass, so every speed figure can be
//! stated as a percentage of what the adapter itself can do.
//!
//! Timings are wall clock around whole submissions (submit, then wait for the
//! queue), which every adapter supports; repetitions are chosen so one trial
//! takes ~50 ms, and the median of the trials is reported.

pub mod kernels;
pub mod roofline;
pub mod traffic;

use crate::error::{Error, Result};
use crate::gpu::Gpu;
use std::time::Instant;

/// Seconds a trial should take at least, so dispatch latency is amortised.
const TRIAL_SECONDS: f64 = 0.05;
/// Trials per measurement (the median is kept).
const TRIALS: usize = 5;

/// Submit `reps` recordings in one command buffer and wait for them.
fn run_reps(gpu: &Gpu, reps: u32, record: &dyn Fn(&mut wgpu::CommandEncoder)) -> Result<f64> {
    let mut enc = gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("bench") });
    for _ in 0..reps {
        record(&mut enc);
    }
    let start = Instant::now();
    gpu.queue.submit([enc.finish()]);
    gpu.device
        .poll(wgpu::PollType::wait_indefinitely())
        .map_err(|e| Error::Gpu { reason: format!("waiting for a benchmark: {e}") })?;
    Ok(start.elapsed().as_secs_f64())
}

/// Median seconds of one recording of `record`: a warm-up (pipeline
/// compilation, first touch of memory), a probe to size the trials, then
/// `TRIALS` trials of enough repetitions to last `TRIAL_SECONDS`.
pub fn time_gpu(gpu: &Gpu, record: &dyn Fn(&mut wgpu::CommandEncoder)) -> Result<f64> {
    Ok(time_gpu_with_cpu(gpu, record)?.0)
}

/// [`time_gpu`], plus the CPU seconds this process spent per recording
/// (Linux; `None` elsewhere). On a CPU adapter such as lavapipe the "GPU" is
/// this process's own threads, so CPU time measures a kernel's cost even when
/// other programs share the cores and make wall-clock time noisy.
pub fn time_gpu_with_cpu(gpu: &Gpu, record: &dyn Fn(&mut wgpu::CommandEncoder)) -> Result<(f64, Option<f64>)> {
    let mut one = time_in_turns(gpu, &[record], TRIALS)?;
    one.pop().ok_or_else(|| Error::Gpu { reason: "no timing for one recording".into() })
}

/// Trials per alternative in [`time_interleaved`].
const INTERLEAVED_TRIALS: usize = 11;

/// [`time_gpu_with_cpu`] for alternatives that do the same work (one
/// matrix's product in each layout), timed in turns: trial t of every
/// alternative runs before trial t + 1 of any, so a slow spell of a shared
/// machine (a VM's neighbours, lavapipe's own threads being descheduled)
/// falls on all of them alike instead of on whichever ran then.
pub fn time_interleaved(gpu: &Gpu, records: &[&dyn Fn(&mut wgpu::CommandEncoder)]) -> Result<Vec<(f64, Option<f64>)>> {
    time_in_turns(gpu, records, INTERLEAVED_TRIALS)
}

/// Each record warmed up and probed to size its trials, then `trials`
/// rounds of one trial of each: the median seconds per recording, and the
/// CPU seconds per recording summed over all of a record's trials (so the
/// 10 ms tick of /proc/self/stat is small against it).
fn time_in_turns(
    gpu: &Gpu,
    records: &[&dyn Fn(&mut wgpu::CommandEncoder)],
    trials: usize,
) -> Result<Vec<(f64, Option<f64>)>> {
    let mut reps = Vec::with_capacity(records.len());
    for record in records {
        run_reps(gpu, 1, record)?;
        let probe = run_reps(gpu, 1, record)?.max(1e-6);
        reps.push(((TRIAL_SECONDS / probe).ceil() as u32).clamp(1, 10_000));
    }
    let mut times = vec![Vec::with_capacity(trials); records.len()];
    let mut cpu = vec![Some(0.0); records.len()];
    for _ in 0..trials {
        for (i, record) in records.iter().enumerate() {
            let start = process_cpu_seconds();
            times[i].push(run_reps(gpu, reps[i], record)? / f64::from(reps[i]));
            cpu[i] = match (cpu[i], start, process_cpu_seconds()) {
                (Some(sum), Some(a), Some(b)) => Some(sum + (b - a)),
                _ => None,
            };
        }
    }
    Ok(times
        .into_iter()
        .zip(cpu)
        .zip(reps)
        .map(|((t, c), r)| (median(t), c.map(|c| c / (f64::from(r) * trials as f64))))
        .collect())
}

/// User + system CPU seconds of this process so far, from /proc/self/stat
/// (fields 14 and 15, in clock ticks of 1/100 s on Linux).
pub fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may contain spaces: count fields after its ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Median of a sample (0 for an empty one): the mean of the two middle
/// values of an even-sized one, as Python's `statistics.median` (the
/// llama.cpp peer's), so that two repeats report their mean, not the faster.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => v[n / 2],
        _ => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Record `f` in a compute pass of its own.
pub(crate) fn in_pass(enc: &mut wgpu::CommandEncoder, f: impl FnOnce(&mut wgpu::ComputePass<'_>)) {
    let mut pass =
        enc.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("bench"), timestamp_writes: None });
    f(&mut pass);
}

#[cfg(test)]
mod median_tests {
    #[test]
    fn even_samples_take_the_mean_of_the_middle_two() {
        assert_eq!(super::median(vec![]), 0.0);
        assert_eq!(super::median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(super::median(vec![4.0, 1.0]), 2.5);
        assert_eq!(super::median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
    }
}

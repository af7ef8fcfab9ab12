//! `hearth bench --roofline` and `hearth bench --kernels`: the adapter's own
//! ceilings, and each weight kernel measured against them.

use crate::args::EngineArgs;
use anyhow::Result;
use hearth::bench::{kernels, roofline};
use hearth::gpu::{DeviceOptions, Gpu};
use serde_json::json;

/// Open the adapter the engine flags name.
pub fn open_gpu(e: &EngineArgs) -> Result<Gpu> {
    let opts = DeviceOptions { adapter: e.adapter.clone(), int8_activations: e.int8_activations, ..Default::default() };
    Ok(Gpu::open(&opts)?)
}

/// The adapter as "name (backend)".
pub fn adapter_name(gpu: &Gpu) -> String {
    format!("{} ({})", gpu.summary.name, gpu.summary.backend)
}

/// Measure the roofline, then the kernels at `shape`'s matrices when given.
pub fn run(shape: Option<&str>, tokens: usize, e: &EngineArgs, as_json: bool) -> Result<()> {
    let gpu = open_gpu(e)?;
    let roof = roofline::measure(&gpu)?;
    let results = match shape {
        Some(name) => Some(kernels::run(&gpu, &hearth::synth::shape(name)?, tokens.max(1), &roof)?),
        None => None,
    };
    if as_json {
        return super::print_json(&json!({
            "adapter": adapter_name(&gpu),
            "driver": gpu.summary.driver,
            "roofline": roof,
            "shape": shape,
            "kernels": results,
        }));
    }
    println!("adapter: {}", adapter_name(&gpu));
    println!("driver: {}", gpu.summary.driver);
    println!(
        "roofline: read {:.2} GB/s ({} MiB stream; interleaved {:.2}, lane runs {:.2}, texture {:.2}), copy {:.2} GB/s (read + write), FMA {:.1} GFLOP/s",
        roof.read_gbps,
        roof.read_bytes >> 20,
        roof.read_interleaved_gbps,
        roof.read_lane_runs_gbps,
        roof.read_texture_gbps,
        roof.copy_gbps,
        roof.fma_gflops
    );
    if let Some(results) = results {
        println!(
            "{:<11} {:<5} {:<9} {:>6} {:>6} {:>6} {:>10} {:>10} {:>8} {:>9} {:>7}",
            "kernel", "type", "matrix", "rows", "cols", "tokens", "µs", "cpu µs", "GB/s", "GFLOP/s", "% roof"
        );
        for r in results {
            println!(
                "{:<11} {:<5} {:<9} {:>6} {:>6} {:>6} {:>10.1} {:>10.1} {:>8.2} {:>9.2} {:>6.1}%",
                r.kernel,
                r.dtype,
                r.matrix,
                r.rows,
                r.cols,
                r.tokens,
                r.micros,
                r.cpu_micros.unwrap_or(f64::NAN),
                r.gbps,
                r.gflops,
                r.roofline_percent
            );
        }
        println!(
            "(% roof: matvec and decode attention GB/s of the read bandwidth, matmul and attention:prefill GFLOP/s of the FMA \
             throughput; attention: one layer, tokens = keys, and for prefill also queries)"
        );
    }
    Ok(())
}

//! `hearth devices`: the GPU adapters wgpu can see.

use anyhow::Result;

pub fn run(as_json: bool) -> Result<()> {
    let adapters = hearth::gpu::list_adapters();
    if as_json {
        return super::print_json(&serde_json::to_value(&adapters)?);
    }
    if adapters.is_empty() {
        println!("no GPU adapters found (install a Vulkan driver, e.g. Debian's mesa-vulkan-drivers)");
    }
    let mib = |b: u64| b / (1024 * 1024);
    for a in adapters {
        println!("{}: {} [{} {}]", a.index, a.name, a.backend, a.device_type);
        println!("   driver         {}", a.driver);
        println!("   shader-f16     {}", a.shader_f16);
        println!("   subgroups      {} (size {}..{})", a.subgroups, a.subgroup_size.0, a.subgroup_size.1);
        println!("   max binding    {} MiB, max buffer {} MiB", mib(a.max_storage_binding), mib(a.max_buffer_size));
        println!("   uniform        {} KiB per binding", a.max_uniform_binding / 1024);
        println!("   workgroup mem  {} bytes", a.max_workgroup_storage);
    }
    Ok(())
}

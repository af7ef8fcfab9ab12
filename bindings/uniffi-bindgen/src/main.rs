//! `uniffi-bindgen generate --library libhearth_ffi.so --language kotlin|swift|python --out-dir DIR`
//! (see `bindings/generate.sh`).

fn main() {
    uniffi::uniffi_bindgen_main()
}

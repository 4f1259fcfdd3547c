// scanme-rs: a small program linked with cargo-auditable's audit data
// (dep-v0.o, a non-allocated .dep-v0 section, passed to the linker).
fn main() {
    println!("scanme-rs");
}

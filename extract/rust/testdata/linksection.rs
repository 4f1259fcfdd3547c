// scanme-rs: a tiny program (no_std, linked against libc) carrying audit data.
// This variant puts the data in an allocated section of its own, as the
// `auditable` crate's inject_dependency_list!() macro did.
#![no_std]
#![no_main]

#[link_section = ".dep-v0"]
#[used]
static AUDITABLE_VERSION_INFO: [u8; 330] = *include_bytes!("audit.zlib");

#[link(name = "c")]
extern "C" {
    fn puts(s: *const u8) -> i32;
}

#[no_mangle]
pub extern "C" fn main(_argc: i32, _argv: *const *const u8) -> i32 {
    unsafe { puts(b"scanme-rs\0".as_ptr()) };
    0
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}

# The audit data as cargo-auditable links it: a section named .dep-v0 with
# no flags (not allocated, so no loadable segment holds it) and a symbol.
	.section .dep-v0,"",@progbits
	.globl AUDITABLE_VERSION_INFO
AUDITABLE_VERSION_INFO:
	.incbin "audit.zlib"
	.size AUDITABLE_VERSION_INFO, .-AUDITABLE_VERSION_INFO

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What differs between the architectures vnetlat is built for (x86-64, arm64), in one place.
 * The BPF side's part is the Makefile's -D__TARGET_ARCH_$(ARCH), which picks libbpf's
 * PT_REGS_* for the kprobe and syscall programs, and a vmlinux.h of that architecture's kernel.
 */
#ifndef VNL_ARCH_H
#define VNL_ARCH_H

#include <sys/syscall.h>

/* guest.app_send: the send syscalls' numbers, as raw_syscalls:sys_enter sees them */
#define VNL_ARCH_SEND_NRS                                                                          \
	{                                                                                          \
		SYS_sendto, SYS_sendmsg, SYS_sendmmsg                                              \
	}
/* clock.adjust: the syscalls that set or slew the clock */
#define VNL_ARCH_CLOCK_NRS                                                                         \
	{                                                                                          \
		SYS_clock_settime, SYS_clock_adjtime, SYS_settimeofday, SYS_adjtimex               \
	}

/*
 * /proc/cpuinfo's flags that say the CPU offers hardware virtualisation. arm64 names none
 * (KVM there needs the kernel to have booted at EL2, which /dev/kvm already tells).
 */
#if defined(__x86_64__) || defined(__i386__)
#define VNL_ARCH_VIRT_FLAGS                                                                        \
	{                                                                                          \
		" vmx", " svm"                                                                     \
	}
#endif

#endif

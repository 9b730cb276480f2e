// LUMEX_CLONES: compile a hot loop for baseline x86-64, AVX2 and AVX-512 (x86-64-v4);
// the dynamic loader picks the best clone for the running CPU, so one binary runs
// everywhere. Elsewhere (ARM, other compilers) the loop is built once for the target.
#pragma once

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(__APPLE__)
#if defined(LUMEX_SANITIZE_BUILD)
// Sanitizer builds (.ci/sanitize.sh) instrument every clone, which makes the kernel
// files slow and hungry to compile; baseline and AVX-512 are kept (the clone the CI
// and development machines dispatch to, and the fallback), AVX2 is the same source.
#define LUMEX_CLONES __attribute__((target_clones("default", "arch=x86-64-v4")))
#else
#define LUMEX_CLONES __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))
#endif
#else
#define LUMEX_CLONES
#endif
// Helpers of a cloned loop are forced inline so each clone gets its own copy,
// compiled for that clone's instruction set.
#define LUMEX_INLINE inline __attribute__((always_inline))

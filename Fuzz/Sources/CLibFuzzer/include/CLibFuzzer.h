#ifndef HUBLOT_CLIBFUZZER_H
#define HUBLOT_CLIBFUZZER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver, for programs that have their own `main` ("using libFuzzer as a library",
/// https://llvm.org/docs/LibFuzzer.html). Linked from the toolchain by `-sanitize=fuzzer`.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif

#include <onnxruntime/onnxruntime_c_api.h>
#if defined(__linux__) && defined(__GLIBC__)
/* malloc_trim: OrtSession gives a released session's memory back to the system. */
#include <malloc.h>
#endif

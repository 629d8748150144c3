// liblz4: the frame format (lz4frame.h) that batches travel in, with content checksums.
#include <lz4.h>
#include <lz4frame.h>
#include <lz4hc.h>

// LZ4F_isError's result is an unsigned; LZ4F_getErrorName takes the same code. Both import as they are.
// LZ4F_INIT_PREFERENCES is a brace-initialiser macro that Swift cannot import; this returns the same zeroed value.
static inline LZ4F_preferences_t th_lz4f_default_preferences(void) {
    LZ4F_preferences_t preferences = LZ4F_INIT_PREFERENCES;
    return preferences;
}

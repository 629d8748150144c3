// libpcre2-8: the reference regex engine the tests compare vectorscan against (tests only, never the daemon).
// pcre2.h picks the code unit width from this macro; its API names are macros over the _8 functions, which
// Swift does not import, so callers use pcre2_compile_8, pcre2_match_8 and the other _8 names directly.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

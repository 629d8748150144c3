// libsqlite3: the collector's embedded store.
#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro casting -1 to a function pointer, which Swift cannot import: bound text and blobs
// are copied by SQLite because Swift buffers do not outlive the call.
static inline sqlite3_destructor_type th_sqlite_transient(void) {
    return SQLITE_TRANSIENT;
}

// libpq: the collector's shared store (many collectors, one PostgreSQL database).
// Its API is plain C; Swift imports it as it is.
#include <libpq-fe.h>

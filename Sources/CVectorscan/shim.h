// libhs (vectorscan): every pattern of every rule compiled into one database, scanned in one pass.
// Its API is plain C with integer flag macros; Swift imports it as it is.
#include <hs/hs.h>

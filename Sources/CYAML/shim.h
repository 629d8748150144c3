// libyaml: the event parser gives every scalar, key and error a line and column, which config errors name.
// Its API is plain C; Swift imports it as it is.
#include <yaml.h>
